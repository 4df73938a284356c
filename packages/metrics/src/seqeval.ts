import { assertSameLength } from './checks.js';
import { MetricsInputError } from './errors.js';
import { comparePythonStrings } from './python-order.js';
import { divideOr } from './scores.js';

/** One sentence of BIO tags (`'B-name'`, `'I-name'`, `'O'`, and bare `'B'`/`'I'`). */
export type TagSequence = readonly string[];

/**
 * `'default'`: seqeval's lenient chunking (`get_entities`), what `evaluate.load("seqeval")` uses unless
 * told otherwise. `'strict'`: seqeval's `mode="strict", scheme=IOB2`.
 */
export type SeqevalMode = 'default' | 'strict';

export interface SeqevalOptions {
  mode?: SeqevalMode;
}

/** One entity; `start` and `end` are inclusive token positions inside sentence `sentence`. */
export interface Entity {
  sentence: number;
  type: string;
  start: number;
  end: number;
}

export interface SeqevalTypeScores {
  precision: number;
  recall: number;
  f1: number;
  /** Entities of this type in the references (seqeval's support). */
  number: number;
}

/** What `evaluate.load("seqeval").compute(...)` returns, with the per-type entries under `byType`. */
export interface SeqevalResult {
  /** Per entity type, in seqeval's (Python `sorted`) order. */
  byType: Record<string, SeqevalTypeScores>;
  overall_precision: number;
  overall_recall: number;
  overall_f1: number;
  overall_accuracy: number;
}

/** seqeval names an entity with no type (a bare `B` or `I`) `_`. */
export const UNTYPED_ENTITY = '_';

/** seqeval.scheme.IOB2's allowed prefixes, and its error text (`Token.is_valid`). */
const IOB2_PREFIXES = new Set(['I', 'O', 'B']);
/** Prefix letters seqeval.scheme.Prefix knows; any other first character is a KeyError there. */
const KNOWN_PREFIXES = new Set(['I', 'O', 'B', 'E', 'S', 'U', 'L']);

/** Entities of every sentence, chunked the way seqeval does in `mode`. */
export function extractEntities(sentences: readonly TagSequence[], options: SeqevalOptions = {}): Entity[] {
  return options.mode === 'strict' ? strictIob2Entities(sentences) : lenientEntities(sentences);
}

/**
 * `evaluate.load("seqeval").compute(predictions, references)` (seqeval 1.2.2, `zero_division` left at
 * "warn", i.e. 0): per-type and micro-averaged precision/recall/F1 over exact entity matches, and token
 * accuracy. F1 is seqeval's `2·p·r / (p + r)`.
 */
export function seqeval(
  references: readonly TagSequence[],
  predictions: readonly TagSequence[],
  options: SeqevalOptions = {},
): SeqevalResult {
  checkAlignedSentences(references, predictions);
  const truth = groupByType(extractEntities(references, options));
  const predicted = groupByType(extractEntities(predictions, options));
  const types = [...new Set([...truth.keys(), ...predicted.keys()])].sort(comparePythonStrings);

  const byType: Record<string, SeqevalTypeScores> = {};
  const total = { tp: 0, predicted: 0, actual: 0 };
  for (const type of types) {
    const t = truth.get(type) ?? new Set<string>();
    const p = predicted.get(type) ?? new Set<string>();
    const tp = [...t].filter((key) => p.has(key)).length;
    byType[type] = { ...seqevalScores(tp, p.size, t.size), number: t.size };
    total.tp += tp;
    total.predicted += p.size;
    total.actual += t.size;
  }
  const overall = seqevalScores(total.tp, total.predicted, total.actual);
  return {
    byType,
    overall_precision: overall.precision,
    overall_recall: overall.recall,
    overall_f1: overall.f1,
    overall_accuracy: seqevalAccuracy(references, predictions),
  };
}

/**
 * `seqeval.metrics.accuracy_score`: matching tags over all tags. With no tags at all seqeval raises
 * ZeroDivisionError; this throws a `MetricsInputError` (`undefined-metric`) instead.
 */
export function seqevalAccuracy(
  references: readonly TagSequence[],
  predictions: readonly TagSequence[],
): number {
  checkAlignedSentences(references, predictions);
  let correct = 0;
  let total = 0;
  references.forEach((sentence, s) => {
    sentence.forEach((tag, i) => {
      if (tag === predictions[s]![i]) correct++;
    });
    total += sentence.length;
  });
  if (total === 0) {
    throw new MetricsInputError(
      'undefined-metric',
      'seqeval accuracy is undefined: there are no tags (seqeval raises ZeroDivisionError here)',
      { hint: 'Every label was ignored (-100) or every sentence is empty; evaluate on data with real tags' },
    );
  }
  return correct / total;
}

/** seqeval's `_precision_recall_fscore_support` for one set of counts, `zero_division` "warn" (0). */
function seqevalScores(tp: number, predicted: number, actual: number) {
  const precision = divideOr(tp, predicted, 0);
  const recall = divideOr(tp, actual, 0);
  const denominator = precision + recall;
  const f1 = denominator === 0 ? 0 : (2 * precision * recall) / denominator;
  return { precision, recall, f1 };
}

function checkAlignedSentences(
  references: readonly TagSequence[],
  predictions: readonly TagSequence[],
): void {
  const hint = 'seqeval needs one predicted tag per reference tag, sentence by sentence';
  assertSameLength(references, predictions, ['reference sentences', 'predicted sentences'], 'seqeval', hint);
  references.forEach((sentence, s) => {
    assertSameLength(
      sentence,
      predictions[s]!,
      ['reference tags', 'predicted tags'],
      `seqeval sentence ${s}`,
      hint,
    );
  });
}

function groupByType(entities: readonly Entity[]): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const { sentence, type, start, end } of entities) {
    const group = groups.get(type) ?? new Set<string>();
    group.add(`${sentence}:${start}:${end}`);
    groups.set(type, group);
  }
  return groups;
}

/** Splits a tag into seqeval's prefix (first character) and the rest, code point aware like Python. */
function splitTag(tag: string, where: string): { prefix: string; rest: string } {
  const first = tag.codePointAt(0);
  if (first === undefined) {
    throw new MetricsInputError('invalid-tag', `${where} is an empty tag`, {
      hint: "Every position needs a tag such as 'O', 'B-name' or 'I-name'",
    });
  }
  const prefix = String.fromCodePoint(first);
  return { prefix, rest: tag.slice(prefix.length) };
}

// ---- default (lenient) mode: seqeval.metrics.sequence_labeling.get_entities ----

/**
 * seqeval joins the sentences with an `'O'` after each (so chunks never cross them), appends one more
 * `'O'`, and walks the tags once, closing and opening chunks on prefix and type changes.
 */
function lenientEntities(sentences: readonly TagSequence[]): Entity[] {
  const tags: string[] = [];
  const origin: { sentence: number; offset: number }[] = [];
  sentences.forEach((sentence, s) => {
    [...sentence, 'O'].forEach((tag, offset) => {
      tags.push(tag);
      origin.push({ sentence: s, offset });
    });
  });
  tags.push('O');

  const entities: Entity[] = [];
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  tags.forEach((chunk, i) => {
    const { prefix: tag, rest } = splitTag(chunk, `tag ${JSON.stringify(chunk)}`);
    const dash = rest.indexOf('-');
    const type = (dash < 0 ? rest : rest.slice(dash + 1)) || UNTYPED_ENTITY;
    if (endsChunk(prevTag, tag, prevType, type)) {
      const { sentence, offset } = origin[begin]!;
      entities.push({ sentence, type: prevType, start: offset, end: offset + (i - 1 - begin) });
    }
    if (startsChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  });
  return entities;
}

/** seqeval's `end_of_chunk`: did a chunk end between the previous tag and this one? */
function endsChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

/** seqeval's `start_of_chunk`: did a chunk start at this tag? (A lone `I-` after `O` does.) */
function startsChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

// ---- strict mode: seqeval.scheme.Tokens with IOB2 ----

interface SchemeToken {
  token: string;
  prefix: string;
  tag: string;
}

function schemeToken(token: string, where: string): SchemeToken {
  const { prefix, rest } = splitTag(token, where);
  if (!KNOWN_PREFIXES.has(prefix)) {
    throw new MetricsInputError('invalid-tag', `${where} ${JSON.stringify(token)} has no known prefix`, {
      hint: 'Strict IOB2 tags start with B, I or O (seqeval raises KeyError here)',
    });
  }
  return { token, prefix, tag: stripDashes(rest) || UNTYPED_ENTITY };
}

/** Python's `str.strip('-')`. */
function stripDashes(text: string): string {
  return text.replace(/^-+|-+$/g, '');
}

/**
 * seqeval's `Tokens.entities` for IOB2: an entity starts only at `B-`, continues over `I-` of the same
 * type, and counts only if the tag after it properly ends it. Lone `I-` tags open nothing.
 */
function strictIob2Entities(sentences: readonly TagSequence[]): Entity[] {
  const entities: Entity[] = [];
  sentences.forEach((sentence, s) => {
    const tokens = [
      ...sentence.map((tag, i) => schemeToken(tag, `sentence ${s} position ${i}:`)),
      schemeToken('O', 'outside'),
    ];
    let i = 0;
    while (i < tokens.length) {
      const token = tokens[i]!;
      assertIob2(token);
      if (token.prefix === 'B') {
        let end = i + 1;
        while (isIob2Inside(tokens[end - 1]!, tokens[end]!)) end++;
        if (isIob2End(tokens[end - 1]!, tokens[end]!)) {
          entities.push({ sentence: s, type: token.tag, start: i, end: end - 1 });
        }
        i = end;
      } else {
        i++;
      }
    }
  });
  return entities;
}

function assertIob2(token: SchemeToken): void {
  if (!IOB2_PREFIXES.has(token.prefix)) {
    throw new MetricsInputError(
      'invalid-tag',
      `Invalid token is found: ${token.token}. Allowed prefixes are: I|O|B.`,
      { hint: "Strict mode reads IOB2 tags only; use mode 'default' for IOBES-style tags" },
    );
  }
}

/** IOB2 `inside_patterns`: `B-X I-X` or `I-X I-X`. */
function isIob2Inside(prev: SchemeToken, token: SchemeToken): boolean {
  return (prev.prefix === 'B' || prev.prefix === 'I') && token.prefix === 'I' && prev.tag === token.tag;
}

/** IOB2 `end_patterns`: after `B`/`I`, an `O`, a `B`, or an `I` of another type ends the entity. */
function isIob2End(prev: SchemeToken, token: SchemeToken): boolean {
  if (prev.prefix !== 'B' && prev.prefix !== 'I') return false;
  return token.prefix === 'O' || token.prefix === 'B' || (token.prefix === 'I' && prev.tag !== token.tag);
}
