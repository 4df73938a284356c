import type { RawFileSource } from '../errors.js';
import { DatasetFormatError } from '../errors.js';
import { columnIndices, readPandasDelimited } from '../formats/delimited.js';
import { encodeLabels, labelIndex, sortedLabelSet } from '../labels.js';
import { requireRawFile } from '../raw-files.js';
import type { DatasetSplits, SingleLabelExample, TaskAdapter } from '../types.js';

/** The BLUE ChemProt label set in the order `class_encode_column` gives it (sorted). */
export const CHEMPROT_LABELS = ['CPR:3', 'CPR:4', 'CPR:5', 'CPR:6', 'CPR:9', 'false'] as const;

/** ChemProt ships its own splits; `dev.tsv` is the validation split. */
const SPLIT_FILES = { train: 'train.tsv', validation: 'dev.tsv', test: 'test.tsv' } as const;

export const CHEMPROT_SOURCE: RawFileSource = {
  publisher: 'the BLUE benchmark release on GitHub',
  url: 'https://github.com/ncbi-nlp/BLUE_Benchmark/releases/download/0.1/bert_data.zip',
  note: 'Unzip it and copy ChemProt/train.tsv, dev.tsv and test.tsv into that folder.',
};

interface ChemProtRow {
  id: string | undefined;
  text: string;
  label: string;
  line: number;
}

/** research `pd.read_csv(path, sep="\t")`: columns `index`, `sentence`, `label`, one row per entity pair. */
export async function readChemProtTsv(path: string): Promise<ChemProtRow[]> {
  const table = await readPandasDelimited(path, '\t');
  const column = columnIndices(table.header, ['sentence', 'label'], path);
  const idColumn = table.header.indexOf('index');
  return table.rows.map(({ fields, line }) => {
    const text = fields[column.sentence];
    const label = fields[column.label];
    if (text === null || text === undefined || label === null || label === undefined) {
      throw new DatasetFormatError(`Row has an empty ${text == null ? 'sentence' : 'label'}`, {
        file: path,
        line,
        hint: 'pandas would read it as NaN and the research code would fail later; fix the row',
      });
    }
    return { id: idColumn === -1 ? undefined : (fields[idColumn] ?? undefined), text, label, line };
  });
}

async function chemProtFiles(rawDir: string): Promise<Record<keyof typeof SPLIT_FILES, string>> {
  return {
    train: await requireRawFile('ChemProt', rawDir, SPLIT_FILES.train, CHEMPROT_SOURCE),
    validation: await requireRawFile('ChemProt', rawDir, SPLIT_FILES.validation, CHEMPROT_SOURCE),
    test: await requireRawFile('ChemProt', rawDir, SPLIT_FILES.test, CHEMPROT_SOURCE),
  };
}

/**
 * research `ChemProt.preprocess_data`, with one divergence: the research code runs `class_encode_column` on
 * each split separately, so a split missing a label gets different ids (and an all-`false` split becomes
 * `"False"`). Here the label order is `sorted(set(train labels))` and the other splits are encoded with it;
 * a label absent from train is an `UnknownLabelError`. For the official release both give the same ids.
 */
export const chemProt: TaskAdapter<SingleLabelExample> = {
  name: 'ChemProt',
  problemType: 'single_label',
  labelNames: CHEMPROT_LABELS,
  version: '1',
  dirName: 'ChemProt',
  async inputFiles(rawDir) {
    return Object.values(await chemProtFiles(rawDir));
  },
  async load(rawDir): Promise<DatasetSplits<SingleLabelExample>> {
    const files = await chemProtFiles(rawDir);
    const train = await readChemProtTsv(files.train);
    if (train.length === 0) {
      throw new DatasetFormatError('ChemProt training split is empty: train.tsv has a header but no rows', {
        file: files.train,
        hint: 'The label set is read from the training split; copy the full train.tsv of the BLUE release',
      });
    }
    const labelNames = sortedLabelSet(train.map((row) => row.label));
    const index = labelIndex(labelNames);
    const encode = async (file: string, rows?: ChemProtRow[]): Promise<SingleLabelExample[]> =>
      (rows ?? (await readChemProtTsv(file))).map((row) => {
        const record = row.id === undefined ? `row at line ${row.line}` : `row ${row.id}`;
        const [labels] = encodeLabels([row.label], index, record, { file, line: row.line });
        return row.id === undefined
          ? { text: row.text, labels: labels! }
          : { text: row.text, labels: labels!, id: row.id };
      });
    return {
      train: await encode(files.train, train),
      validation: await encode(files.validation),
      test: await encode(files.test),
      labelNames,
      warnings: [],
    };
  },
};
