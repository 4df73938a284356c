import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { splitExamples } from '../apply-split.js';
import type { RawFileSource } from '../errors.js';
import { assertSpanInside, bioTags, type LabelledSpan, readTextBoundLines } from '../formats/brat.js';
import { encodeLabels, labelIndex } from '../labels.js';
import {
  codePointLength,
  matchesWithCodePointOffsets,
  PY_NON_SPACE_RUN,
  pyInt,
  pySplit,
  pyStrip,
} from '../python-text.js';
import { readPythonText } from '../python-text-file.js';
import { requireRawFilesBySuffix } from '../raw-files.js';
import type { SplitRecipe } from '../split/index.js';
import type { DatasetSplits, DatasetWarning, TaskAdapter, TokenExample } from '../types.js';

const ENTITY_TYPES = [
  'Alcohol',
  'Amount',
  'Drug',
  'EnvironmentalExposure',
  'ExposureHistory',
  'Extent',
  'Family',
  'Frequency',
  'History',
  'InfectiousDiseases',
  'LivingStatus',
  'Location',
  'MaritalStatus',
  'MedicalCondition',
  'Method',
  'Occupation',
  'Other',
  'PhysicalActivity',
  'QuitHistory',
  'Residence',
  'SexualHistory',
  'Status',
  'Temporal',
  'Tobacco',
  'Type',
];

/**
 * research `SocialHistory.id2label`, in id order. It is not a clean B/I product: it has `I-LivingSituation`
 * but no `B-LivingSituation`, and no `I-PhysicalActivity`.
 */
export const SOCIAL_HISTORY_LABELS: readonly string[] = [
  ...ENTITY_TYPES.map((t) => `B-${t}`),
  ...ENTITY_TYPES.flatMap((t) => {
    if (t === 'PhysicalActivity') return [];
    return t === 'LivingStatus' ? ['I-LivingSituation', `I-${t}`] : [`I-${t}`];
  }),
  'O',
];

/** research `SocialHistory.load_brat_as_dataset`: HF train_test_split(0.3, seed 42), then the 30% halved. */
export const SOCIAL_HISTORY_SPLIT: SplitRecipe = {
  method: 'hf',
  seed: 42,
  firstTestSize: 0.3,
  secondTestSize: 0.5,
  layout: 'holdout-halves',
};

export const SOCIAL_HISTORY_SOURCE: RawFileSource = {
  publisher: 'the Washington BioNLP group',
  url: 'https://depts.washington.edu/bionlp/data/corpora/files/SocialHistoryMTSamples.zip',
  note: 'Unzip it so the brat .txt/.ann pairs sit directly in that folder.',
};

/**
 * research `SocialHistory.parse_ann_file`: every `T` line whose second tab field reads `<type> <int> <int>`,
 * sorted (stably) by start. Lines it skips (too few fields, discontinuous spans) are reported as warnings.
 */
export async function readSocialHistoryAnn(
  annPath: string,
  textLength: number,
  warnings: DatasetWarning[],
): Promise<LabelledSpan[]> {
  const spans: LabelledSpan[] = [];
  for (const entry of await readTextBoundLines(annPath)) {
    const meta = pySplit(pyStrip(entry.text).split('\t')[1] ?? '');
    const start = pyInt(meta[1] ?? '');
    const end = pyInt(meta[2] ?? '');
    if (start === undefined || end === undefined) {
      const discontinuous = meta[2]?.includes(';') === true;
      warnings.push({
        code: discontinuous ? 'skipped_discontinuous_span' : 'skipped_malformed_ann_line',
        message: discontinuous
          ? 'Discontinuous brat span skipped, as the research loader does'
          : 'Text-bound line without `<type> <start> <end>` skipped, as the research loader does',
        file: annPath,
        line: entry.line,
      });
      continue;
    }
    const span = { type: meta[0]!, start, end };
    assertSpanInside(span, textLength, annPath, entry.line, 'its .txt file');
    spans.push(span);
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** research `SocialHistory.process_pair`: `\S+` tokens of the .txt, BIO-tagged by the .ann spans. */
export async function readSocialHistoryPair(
  txtPath: string,
  annPath: string,
  warnings: DatasetWarning[],
): Promise<{ tokens: string[]; tags: string[] }> {
  const text = await readPythonText(txtPath);
  const spans = await readSocialHistoryAnn(annPath, codePointLength(text), warnings);
  const tokens = matchesWithCodePointOffsets(text, PY_NON_SPACE_RUN);
  return { tokens: tokens.map((t) => t.text), tags: bioTags(tokens, spans) };
}

const exists = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/** The .txt files in research order, each with its .ann path or undefined when the .ann is missing. */
async function pairs(rawDir: string): Promise<{ txt: string; ann: string | undefined }[]> {
  const dir = resolve(rawDir);
  const names = await requireRawFilesBySuffix('SocialHistory', dir, '.txt', SOCIAL_HISTORY_SOURCE);
  return Promise.all(
    names.map(async (name) => {
      const ann = join(dir, `${name.slice(0, -'.txt'.length)}.ann`);
      return { txt: join(dir, name), ann: (await exists(ann)) ? ann : undefined };
    }),
  );
}

export const socialHistory: TaskAdapter<TokenExample> = {
  name: 'SocialHistory',
  problemType: 'token',
  labelNames: SOCIAL_HISTORY_LABELS,
  version: '1',
  dirName: 'SocialHistory',
  async inputFiles(rawDir) {
    return (await pairs(rawDir)).flatMap((p) => (p.ann === undefined ? [p.txt] : [p.txt, p.ann]));
  },
  async load(rawDir): Promise<DatasetSplits<TokenExample>> {
    const index = labelIndex(SOCIAL_HISTORY_LABELS);
    const warnings: DatasetWarning[] = [];
    const examples: TokenExample[] = [];
    for (const { txt, ann } of await pairs(rawDir)) {
      if (ann === undefined) {
        warnings.push({
          code: 'skipped_txt_without_ann',
          message: 'No .ann file next to this .txt; skipped, as the research loader does',
          file: txt,
        });
        continue;
      }
      const pair = await readSocialHistoryPair(txt, ann, warnings);
      examples.push({ tokens: pair.tokens, nerTags: encodeLabels(pair.tags, index, ann, { file: ann }) });
    }
    return {
      ...splitExamples(examples, SOCIAL_HISTORY_SPLIT),
      labelNames: [...SOCIAL_HISTORY_LABELS],
      warnings,
    };
  },
};
