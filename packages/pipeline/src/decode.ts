import { argmax, extractEntities, MULTILABEL_LOGIT_THRESHOLD } from '@bcmb/metrics';

/** What a sequence classifier predicts for one text. */
export interface SequencePrediction {
  /** The top label (single-label), or the first label whose logit is > 0 (multi-label; `null` when none is). */
  label: string | null;
  /** Probability of `label` (softmax, or sigmoid for multi-label). */
  score: number;
  /** Every label's probability. */
  scores: Record<string, number>;
  /** Multi-label models: every label with logit > 0 (the research code's rule, `preds = logits > 0`). */
  labels?: string[];
}

/** A run of words carrying one entity type, as a [start, end) span of the original text (UTF-16 units). */
export interface EntitySpan {
  label: string;
  start: number;
  end: number;
  text: string;
  /** Mean probability of the words' labels. */
  score: number;
}

/** One word's label: the prediction on its first sub-token, as the research code trains it. */
export interface WordPrediction {
  start: number;
  end: number;
  text: string;
  label: string;
  score: number;
}

export interface TokenPrediction {
  words: WordPrediction[];
  entities: EntitySpan[];
}

/** What the tokenizer tells about each token (transformers' `offset_mapping` and `word_ids()`). */
export interface TokenAlignment {
  offsets: ReadonlyArray<readonly [number, number]>;
  wordIds: ReadonlyArray<number | null>;
}

/** The label of id `i` in config.json `id2label` (`LABEL_i` when absent, as transformers names them). */
function labelOf(id2label: Record<string, string>, i: number): string {
  return id2label[String(i)] ?? `LABEL_${i}`;
}

function softmax(logits: ArrayLike<number>, start: number, count: number): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < count; c++) max = Math.max(max, logits[start + c] as number);
  const out = new Float64Array(count);
  let sum = 0;
  for (let c = 0; c < count; c++) {
    out[c] = Math.exp((logits[start + c] as number) - max);
    sum += out[c] as number;
  }
  return out.map((p) => p / sum);
}

export function decodeSequence(
  logits: ArrayLike<number>,
  id2label: Record<string, string>,
  multiLabel: boolean,
): SequencePrediction {
  const count = logits.length;
  if (multiLabel) {
    const probs = Array.from({ length: count }, (_, c) => 1 / (1 + Math.exp(-(logits[c] as number))));
    const on = probs.flatMap((_, c) => ((logits[c] as number) > MULTILABEL_LOGIT_THRESHOLD ? [c] : []));
    const top = on[0];
    return {
      label: top === undefined ? null : labelOf(id2label, top),
      score: top === undefined ? 0 : (probs[top] as number),
      scores: Object.fromEntries(probs.map((p, c) => [labelOf(id2label, c), p])),
      labels: on.map((c) => labelOf(id2label, c)),
    };
  }
  const probs = softmax(logits, 0, count);
  const top = argmax(probs, 'sequence probabilities');
  return {
    label: labelOf(id2label, top),
    score: probs[top] as number,
    scores: Object.fromEntries(Array.from(probs, (p, c) => [labelOf(id2label, c), p])),
  };
}

/**
 * A word label as a seqeval tag: `O`, `B-X` and `I-X` as they are; any other label (no BIO prefix) reads as
 * `I-label`, so equal neighbours merge into one entity of that type.
 */
function asTag(label: string): string {
  return label === 'O' || /^[BI]-./.test(label) ? label : `I-${label}`;
}

/**
 * Entities from word labels, chunked by `@bcmb/metrics`' seqeval (default mode, the one the research evaluates
 * with): `B-X` opens an entity, `I-X` continues an open X (or opens one), `O` or a type switch closes it.
 * Labels without a BIO prefix merge with equal neighbours.
 */
export function entitiesFromWords(words: readonly WordPrediction[], text: string): EntitySpan[] {
  return extractEntities([words.map((word) => asTag(word.label))]).map(({ type, start, end }) => {
    const first = words[start] as WordPrediction;
    const last = words[end] as WordPrediction;
    const scores = words.slice(start, end + 1).map((word) => word.score);
    return {
      label: type,
      start: first.start,
      end: last.end,
      text: text.slice(first.start, last.end),
      score: scores.reduce((a, b) => a + b, 0) / scores.length,
    };
  });
}

/**
 * A token's span without surrounding whitespace: byte-level BPE tokens (ModernBERT) carry the space before
 * them (`Ġdenies` spans " denies"), and a run of spaces can be a token of its own.
 */
function trimSpan(text: string, [start, end]: readonly [number, number]): [number, number] {
  let from = start;
  let to = end;
  while (from < to && /\s/.test(text[from] as string)) from++;
  while (to > from && /\s/.test(text[to - 1] as string)) to--;
  return [from, to];
}

/**
 * Token logits `[tokens, C]` → word labels and entity spans of `text`. Each word takes the label of its first
 * sub-token and spans from that token's start to its last sub-token's end (whitespace trimmed); special tokens
 * and whitespace-only tokens are skipped.
 */
export function decodeTokens(
  logits: ArrayLike<number>,
  numLabels: number,
  alignment: TokenAlignment,
  id2label: Record<string, string>,
  text: string,
): TokenPrediction {
  const words: WordPrediction[] = [];
  let current: { wordId: number; word: WordPrediction | undefined } | undefined;
  alignment.wordIds.forEach((wordId, t) => {
    if (wordId === null || t * numLabels >= logits.length) return;
    const [start, end] = trimSpan(text, alignment.offsets[t] as readonly [number, number]);
    if (current?.wordId !== wordId) current = { wordId, word: undefined };
    if (end <= start) return;
    if (current.word !== undefined) {
      current.word.end = Math.max(current.word.end, end);
      current.word.text = text.slice(current.word.start, current.word.end);
      return;
    }
    const probs = softmax(logits, t * numLabels, numLabels);
    const top = argmax(probs, `token ${t} probabilities`);
    current.word = {
      start,
      end,
      text: text.slice(start, end),
      label: labelOf(id2label, top),
      score: probs[top] as number,
    };
    words.push(current.word);
  });
  return { words, entities: entitiesFromWords(words, text) };
}
