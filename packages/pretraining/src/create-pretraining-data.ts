import { PythonRandom } from './python-random.js';

/** google-research/bert create_pretraining_data.py flags as Bio_ClinicalBERT used them (arXiv 1904.03323). */
export const CLINICALBERT_DATA_DEFAULTS = {
  maxSeqLength: 128,
  dupeFactor: 5,
  shortSeqProb: 0.1,
  maskedLmProb: 0.15,
  maxPredictionsPerSeq: 20,
  randomSeed: 12345,
  wholeWordMask: false,
} as const;

export interface CreateDataOptions {
  maxSeqLength?: number;
  dupeFactor?: number;
  shortSeqProb?: number;
  maskedLmProb?: number;
  maxPredictionsPerSeq?: number;
  randomSeed?: number;
  wholeWordMask?: boolean;
  /** `list(tokenizer.vocab.keys())`: the vocabulary in vocab.txt order (random replacements draw from it). */
  vocabWords: readonly string[];
}

/** `TrainingInstance`: a [CLS] A [SEP] B [SEP] pair with its MLM predictions and NSP label. */
export interface TrainingInstance {
  tokens: string[];
  segmentIds: number[];
  isRandomNext: boolean;
  maskedLmPositions: number[];
  maskedLmLabels: string[];
}

/**
 * `create_training_instances` of google-research/bert on documents that are already split into sentences and
 * WordPiece-tokenized (`documents[d][s]` = the tokens of sentence s of document d): drops empty documents,
 * shuffles them, makes `dupe_factor` passes of `create_instances_from_document`, shuffles the instances — all draws
 * from one Python `random.Random(random_seed)`, so the output is identical to the script's.
 */
export function createTrainingInstances(
  documents: string[][][],
  options: CreateDataOptions,
): TrainingInstance[] {
  const settings = { ...CLINICALBERT_DATA_DEFAULTS, ...options };
  const rng = new PythonRandom(settings.randomSeed);
  const all = documents.filter((doc) => doc.length > 0).map((doc) => doc.map((s) => [...s]));
  rng.shuffle(all);
  const instances: TrainingInstance[] = [];
  for (let pass = 0; pass < settings.dupeFactor; pass++) {
    for (let d = 0; d < all.length; d++) instances.push(...instancesFromDocument(all, d, settings, rng));
  }
  rng.shuffle(instances);
  return instances;
}

type Settings = Required<Omit<CreateDataOptions, 'vocabWords'>> & { vocabWords: readonly string[] };

/** `create_instances_from_document`. */
function instancesFromDocument(
  all: string[][][],
  documentIndex: number,
  s: Settings,
  rng: PythonRandom,
): TrainingInstance[] {
  const document = all[documentIndex] as string[][];
  const maxNumTokens = s.maxSeqLength - 3; // [CLS], [SEP], [SEP]
  let targetSeqLength = maxNumTokens;
  if (rng.random() < s.shortSeqProb) targetSeqLength = rng.randint(2, maxNumTokens);
  const instances: TrainingInstance[] = [];
  let chunk: string[][] = [];
  let length = 0;
  let i = 0;
  while (i < document.length) {
    const segment = document[i] as string[];
    chunk.push(segment);
    length += segment.length;
    if (i === document.length - 1 || length >= targetSeqLength) {
      if (chunk.length > 0) {
        const aEnd = chunk.length >= 2 ? rng.randint(1, chunk.length - 1) : 1;
        const tokensA = chunk.slice(0, aEnd).flat();
        const tokensB: string[] = [];
        let isRandomNext = false;
        if (chunk.length === 1 || rng.random() < 0.5) {
          isRandomNext = true;
          const targetB = targetSeqLength - tokensA.length;
          let randomIndex = 0;
          for (let attempt = 0; attempt < 10; attempt++) {
            randomIndex = rng.randint(0, all.length - 1);
            if (randomIndex !== documentIndex) break;
          }
          const randomDocument = all[randomIndex] as string[][];
          const start = rng.randint(0, randomDocument.length - 1);
          for (let j = start; j < randomDocument.length; j++) {
            tokensB.push(...(randomDocument[j] as string[]));
            if (tokensB.length >= targetB) break;
          }
          i -= chunk.length - aEnd; // put the unused segments back
        } else {
          for (let j = aEnd; j < chunk.length; j++) tokensB.push(...(chunk[j] as string[]));
        }
        truncateSeqPair(tokensA, tokensB, maxNumTokens, rng);
        const tokens = ['[CLS]', ...tokensA, '[SEP]', ...tokensB, '[SEP]'];
        const segmentIds = [...tokensA.map(() => 0), 0, 0, ...tokensB.map(() => 1), 1];
        instances.push({ ...maskedLmPredictions(tokens, s, rng), segmentIds, isRandomNext });
      }
      chunk = [];
      length = 0;
    }
    i++;
  }
  return instances;
}

/** `create_masked_lm_predictions` (whole-word masking optional, off for Bio_ClinicalBERT). */
function maskedLmPredictions(
  tokens: string[],
  s: Settings,
  rng: PythonRandom,
): Pick<TrainingInstance, 'tokens' | 'maskedLmPositions' | 'maskedLmLabels'> {
  const candidates: number[][] = [];
  tokens.forEach((token, i) => {
    if (token === '[CLS]' || token === '[SEP]') return;
    if (s.wholeWordMask && candidates.length >= 1 && token.startsWith('##'))
      (candidates[candidates.length - 1] as number[]).push(i);
    else candidates.push([i]);
  });
  rng.shuffle(candidates);
  const output = [...tokens];
  const numToPredict = Math.min(
    s.maxPredictionsPerSeq,
    Math.max(1, pythonRound(tokens.length * s.maskedLmProb)),
  );
  const masked: { index: number; label: string }[] = [];
  const covered = new Set<number>();
  for (const indexSet of candidates) {
    if (masked.length >= numToPredict) break;
    if (masked.length + indexSet.length > numToPredict) continue;
    if (indexSet.some((index) => covered.has(index))) continue;
    for (const index of indexSet) {
      covered.add(index);
      let replacement: string;
      if (rng.random() < 0.8) replacement = '[MASK]';
      else if (rng.random() < 0.5) replacement = tokens[index] as string;
      else replacement = s.vocabWords[rng.randint(0, s.vocabWords.length - 1)] as string;
      output[index] = replacement;
      masked.push({ index, label: tokens[index] as string });
    }
  }
  masked.sort((a, b) => a.index - b.index);
  return {
    tokens: output,
    maskedLmPositions: masked.map((m) => m.index),
    maskedLmLabels: masked.map((m) => m.label),
  };
}

/** `truncate_seq_pair`: trims the longer side, from the front or the back at random. */
function truncateSeqPair(a: string[], b: string[], maxNumTokens: number, rng: PythonRandom): void {
  while (a.length + b.length > maxNumTokens) {
    const longer = a.length > b.length ? a : b;
    if (rng.random() < 0.5) longer.shift();
    else longer.pop();
  }
}

/** Python 3 `round(x)` for the non-negative products here: halves go to the even integer. */
function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
