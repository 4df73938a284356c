import { join, resolve } from 'node:path';
import { splitExamples } from '../apply-split.js';
import { DatasetFormatError, type RawFileSource } from '../errors.js';
import {
  type AnnLine,
  bioTags,
  type LabelledSpan,
  parseOffset,
  readTextBoundLines,
} from '../formats/brat.js';
import { encodeLabels, labelIndex } from '../labels.js';
import { matchesWithCodePointOffsets, PY_WORD_OR_PUNCT, pySplit, pyStrip } from '../python-text.js';
import { requireRawFilesBySuffix } from '../raw-files.js';
import type { SplitRecipe } from '../split/index.js';
import type { DatasetSplits, TaskAdapter, TokenExample } from '../types.js';

/** research `COS.id2label`, in id order. */
export const COS_LABELS = [
  'B-Attr',
  'B-Cos',
  'B-Loc',
  'B-Ref',
  'B-Val',
  'I-Attr',
  'I-Cos',
  'I-Loc',
  'I-Ref',
  'I-Val',
  'O',
] as const;

/** Entity types the research loader tags; other text-bound types are ignored. */
const FEATURE_TYPES = new Set(['Cos', 'Ref', 'Loc', 'Attr', 'Val']);
const SNIPPET_TYPE = 'Snippet';

/** research `COS.load_brat_as_dataset`: HF train_test_split(0.3, seed 42), then the 30% halved (0.5). */
export const COS_SPLIT: SplitRecipe = {
  method: 'hf',
  seed: 42,
  firstTestSize: 0.3,
  secondTestSize: 0.5,
  layout: 'holdout-halves',
};

export const COS_SOURCE: RawFileSource = {
  publisher: 'the Washington BioNLP group',
  url: 'https://depts.washington.edu/bionlp/data/corpora/files/events-COS-corpus.zip',
  note: 'Unzip it so the brat .ann files sit directly in that folder.',
};

/** A `T` line split the way the research code splits it: `tid, rest = line.split("\t", 1)`, `rest.split()`. */
interface CosLine {
  rest: string;
  parts: string[];
  line: number;
}

function splitCosLine(entry: AnnLine, file: string): CosLine {
  const tab = entry.text.indexOf('\t');
  const rest = tab === -1 ? '' : entry.text.slice(tab + 1);
  const parts = pySplit(rest);
  if (tab === -1 || parts.length === 0) {
    throw new DatasetFormatError(
      'Malformed brat text-bound line (expected `T<n><TAB><Type> <start> <end>…`)',
      {
        file,
        line: entry.line,
      },
    );
  }
  return { rest, parts, line: entry.line };
}

/** A typed line with at least `type start end text`, as both passes of the research code require. */
function isFull(line: CosLine): boolean {
  return line.parts.length >= 4;
}

/**
 * research `COS.process_ann_only`: one example per `Snippet`, its text taken from the .ann line and tokenised
 * with `\w+|[^\w\s]`; every Cos/Ref/Loc/Attr/Val span inside the snippet BIO-tags the tokens wholly inside it.
 */
export async function readCosAnnFile(
  path: string,
): Promise<{ tokens: string[]; tags: string[]; line: number }[]> {
  const lines = (await readTextBoundLines(path)).map((entry) => splitCosLine(entry, path));
  const features = lines
    .filter((l) => FEATURE_TYPES.has(l.parts[0]!) && isFull(l))
    .map((l) => ({
      type: l.parts[0]!,
      start: parseOffset(l.parts[1], path, l.line),
      end: parseOffset(l.parts[2], path, l.line),
    }));
  return lines
    .filter((l) => l.parts[0] === SNIPPET_TYPE && isFull(l))
    .map((l) => {
      const start = parseOffset(l.parts[1], path, l.line);
      const end = parseOffset(l.parts[2], path, l.line);
      const text = pyStrip(pySplit(l.rest, 3).at(-1)!);
      const inside: LabelledSpan[] = features
        .filter((f) => f.start >= start && f.end <= end)
        .map((f) => ({ type: f.type, start: f.start - start, end: f.end - start }));
      const tokens = matchesWithCodePointOffsets(text, PY_WORD_OR_PUNCT);
      return { tokens: tokens.map((t) => t.text), tags: bioTags(tokens, inside), line: l.line };
    });
}

async function annFiles(rawDir: string): Promise<string[]> {
  const names = await requireRawFilesBySuffix('COS', rawDir, '.ann', COS_SOURCE);
  return names.map((name) => join(resolve(rawDir), name));
}

export const cos: TaskAdapter<TokenExample> = {
  name: 'COS',
  problemType: 'token',
  labelNames: COS_LABELS,
  version: '1',
  dirName: 'COS',
  inputFiles: annFiles,
  async load(rawDir): Promise<DatasetSplits<TokenExample>> {
    const index = labelIndex(COS_LABELS);
    const examples: TokenExample[] = [];
    for (const file of await annFiles(rawDir)) {
      for (const snippet of await readCosAnnFile(file)) {
        const record = `snippet at ${file}:${snippet.line}`;
        const nerTags = encodeLabels(snippet.tags, index, record, { file, line: snippet.line });
        examples.push({ tokens: snippet.tokens, nerTags });
      }
    }
    return { ...splitExamples(examples, COS_SPLIT), labelNames: [...COS_LABELS], warnings: [] };
  },
};
