import { splitExamples } from '../apply-split.js';
import { DatasetFormatError, type RawFileSource } from '../errors.js';
import { columnIndices, streamCsv } from '../formats/delimited.js';
import { requireRawFile } from '../raw-files.js';
import type { SplitRecipe } from '../split/index.js';
import type {
  AdapterLoadOptions,
  DatasetSplits,
  DatasetWarning,
  MultiLabelExample,
  TaskAdapter,
} from '../types.js';

/** research `Phenotype.class_names`: the 13 phenotypes and UNSURE, in label-vector order (NONE is not a label). */
export const PHENOTYPE_LABELS = [
  'ADVANCED.CANCER',
  'ADVANCED.HEART.DISEASE',
  'ADVANCED.LUNG.DISEASE',
  'ALCOHOL.ABUSE',
  'CHRONIC.NEUROLOGICAL.DYSTROPHIES',
  'CHRONIC.PAIN.FIBROMYALGIA',
  'DEMENTIA',
  'DEPRESSION',
  'DEVELOPMENTAL.DELAY.RETARDATION',
  'NON.ADHERENCE',
  'OBESITY',
  'OTHER.SUBSTANCE.ABUSE',
  'SCHIZOPHRENIA.AND.OTHER.PSYCHIATRIC.DISORDERS',
  'UNSURE',
] as const;

const NONE_COLUMN = 'NONE';
const ANNOTATIONS_FILE = 'ACTdb102003.csv';
const NOTES_FILE = 'NOTEEVENTS.csv';

/** research `Phenotype.preprocess_data`: HF train_test_split(0.2, seed 42) → test, then 0.125 of the rest → validation. */
export const PHENOTYPE_SPLIT: SplitRecipe = {
  method: 'hf',
  seed: 42,
  firstTestSize: 0.2,
  secondTestSize: 0.125,
  layout: 'test-first',
};

export const PHENOTYPE_ANNOTATIONS_SOURCE: RawFileSource = {
  publisher: 'PhysioNet, "Phenotype Annotations for Patient Notes in the MIMIC-III Database" (credentialed)',
  url: 'https://www.physionet.org/content/phenotype-annotations-mimic/1.20.03/',
};

export const MIMIC_NOTES_SOURCE: RawFileSource = {
  publisher: 'PhysioNet, MIMIC-III Clinical Database 1.4 (credentialed)',
  url: 'https://physionet.org/content/mimiciii/1.4/',
  note: 'Decompress NOTEEVENTS.csv.gz (about 4 GB uncompressed).',
};

/** One annotation row kept by the NONE filter, with its multi-hot label vector. */
export interface PhenotypeAnnotation {
  rowId: number;
  labels: number[];
  line: number;
}

function parseNumber(value: string | undefined, column: string, file: string, line: number): number {
  const parsed = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(parsed)) {
    throw new DatasetFormatError(`Column ${column} holds ${JSON.stringify(value ?? '')}, not a number`, {
      file,
      line,
      hint: 'ROW_ID and every annotation flag must be a number. Flags are 0 or 1 in the release; like the research code, bcmb takes any other number as it is (a 2 becomes a label value of 2.0)',
    });
  }
  return parsed;
}

/**
 * research steps 2-3: drop rows with NONE = 1 and any of the 14 label columns set (UNSURE included), then
 * build the 14-long label vector (all zeros when NONE = 1, else the column values as floats).
 */
export async function readPhenotypeAnnotations(path: string): Promise<PhenotypeAnnotation[]> {
  const kept: PhenotypeAnnotation[] = [];
  let column: Record<string, number> = {};
  await streamCsv(path, {
    progress: false,
    onHeader: (header) => {
      column = columnIndices(header, ['ROW_ID', NONE_COLUMN, ...PHENOTYPE_LABELS], path);
    },
    onRow: (fields, line) => {
      const value = (name: string) => parseNumber(fields[column[name]!], name, path, line);
      const flags = PHENOTYPE_LABELS.map(value);
      const none = value(NONE_COLUMN) === 1;
      if (none && flags.reduce((a, b) => a + b, 0) > 0) return;
      kept.push({ rowId: value('ROW_ID'), labels: none ? flags.map(() => 0) : flags, line });
    },
  });
  return kept;
}

/**
 * Streams NOTEEVENTS.csv and keeps the TEXT of the wanted ROW_IDs only (every match, in file order),
 * so memory stays bounded by the notes the annotations use, not by the 4 GB file.
 */
export async function readWantedNotes(
  path: string,
  wanted: ReadonlySet<number>,
  options: AdapterLoadOptions = {},
): Promise<Map<number, string[]>> {
  const notes = new Map<number, string[]>();
  let column = { ROW_ID: 0, TEXT: 0 };
  await streamCsv(path, {
    progressLabel: NOTES_FILE,
    ...(options.progress === undefined ? {} : { progress: options.progress }),
    onHeader: (header) => {
      column = columnIndices(header, ['ROW_ID', 'TEXT'], path);
    },
    onRow: (fields, line) => {
      const rowId = parseNumber(fields[column.ROW_ID], 'ROW_ID', path, line);
      if (!wanted.has(rowId)) return;
      const text = fields[column.TEXT]!;
      if (text === '') {
        throw new DatasetFormatError(`Note ROW_ID ${rowId} has an empty TEXT`, {
          file: path,
          line,
          hint: 'pandas reads it as NaN and the research code fails on it; check the file is the full MIMIC-III release',
        });
      }
      const list = notes.get(rowId);
      if (list === undefined) notes.set(rowId, [text]);
      else list.push(text);
    },
  });
  return notes;
}

async function phenotypeFiles(rawDir: string): Promise<[annotations: string, notes: string]> {
  return [
    await requireRawFile('Phenotype', rawDir, ANNOTATIONS_FILE, PHENOTYPE_ANNOTATIONS_SOURCE),
    await requireRawFile('Phenotype', rawDir, NOTES_FILE, MIMIC_NOTES_SOURCE),
  ];
}

/**
 * research `df_ann.merge(df_mimic[['ROW_ID','TEXT']], on='ROW_ID', how='inner')` with pandas ≥ 2.2 ordering:
 * annotation rows in their order (duplicate ROW_IDs from several annotators kept), each followed by its notes.
 */
export function joinAnnotationsWithNotes(
  annotations: readonly PhenotypeAnnotation[],
  notes: ReadonlyMap<number, readonly string[]>,
): { rows: MultiLabelExample[]; unmatched: PhenotypeAnnotation[] } {
  const rows: MultiLabelExample[] = [];
  const unmatched: PhenotypeAnnotation[] = [];
  for (const annotation of annotations) {
    const texts = notes.get(annotation.rowId);
    if (texts === undefined) unmatched.push(annotation);
    for (const text of texts ?? []) rows.push({ text, labels: [...annotation.labels] });
  }
  return { rows, unmatched };
}

export const phenotype: TaskAdapter<MultiLabelExample> = {
  name: 'Phenotype',
  problemType: 'multi_label',
  labelNames: PHENOTYPE_LABELS,
  version: '1',
  dirName: 'phenotype',
  inputFiles: phenotypeFiles,
  async load(rawDir, options = {}): Promise<DatasetSplits<MultiLabelExample>> {
    const [annotationsPath, notesPath] = await phenotypeFiles(rawDir);
    const annotations = await readPhenotypeAnnotations(annotationsPath);
    const notes = await readWantedNotes(notesPath, new Set(annotations.map((a) => a.rowId)), options);
    const { rows, unmatched } = joinAnnotationsWithNotes(annotations, notes);
    const warnings: DatasetWarning[] = unmatched.map((a) => ({
      code: 'annotation_without_note',
      message: `ROW_ID ${a.rowId} is not in ${NOTES_FILE}; dropped by the inner join, as in the research code`,
      file: annotationsPath,
      line: a.line,
    }));
    return { ...splitExamples(rows, PHENOTYPE_SPLIT), labelNames: [...PHENOTYPE_LABELS], warnings };
  },
};
