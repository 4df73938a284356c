import { TruncationError, UnsupportedTokenizerError } from './errors.js';
import type { TokenSequence } from './pipeline.js';

/** One encoded input, the shape transformers' BatchEncoding gives per example. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /** token_type_ids (0 for the first sequence, 1 for the second with BERT; always 0 with ModernBERT). */
  typeIds: number[];
  attentionMask: number[];
  specialTokensMask: number[];
  /** [start, end) in UTF-16 code units of the token's own string (`text`, `textPair` or the word); [0, 0] for special tokens. */
  offsets: Array<[number, number]>;
  wordIds: Array<number | null>;
  sequenceIds: Array<number | null>;
  /**
   * With `returnOverflowingTokens`: the windows after this one (Rust's `Encoding.overflowing`, transformers'
   * extra rows), in text order; empty when the text fits. Absent otherwise.
   */
  overflowing?: Encoding[];
}

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';
export type Side = 'right' | 'left';

export interface TruncationParams {
  maxLength: number;
  strategy: TruncationStrategy;
  side: Side;
}

type TemplatePiece =
  | { kind: 'special'; ids: number[]; tokens: string[]; typeId: number }
  | { kind: 'sequence'; sequence: 0 | 1; typeId: number };

/** The post_processor of tokenizer.json as a list of pieces for single inputs and pairs. */
export interface Template {
  single: TemplatePiece[];
  pair: TemplatePiece[];
}

interface TemplateItemConfig {
  SpecialToken?: { id: string; type_id: number };
  Sequence?: { id: 'A' | 'B'; type_id: number };
}

export type PostProcessorConfig =
  | {
      type: 'TemplateProcessing';
      single: TemplateItemConfig[];
      pair: TemplateItemConfig[];
      special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }>;
    }
  | { type: 'BertProcessing'; sep: [string, number]; cls: [string, number] };

export function createTemplate(config: PostProcessorConfig | null | undefined): Template {
  if (config === null || config === undefined) {
    return {
      single: [{ kind: 'sequence', sequence: 0, typeId: 0 }],
      pair: [
        { kind: 'sequence', sequence: 0, typeId: 0 },
        { kind: 'sequence', sequence: 1, typeId: 1 },
      ],
    };
  }
  if (config.type === 'BertProcessing') {
    const cls = { kind: 'special' as const, ids: [config.cls[1]], tokens: [config.cls[0]] };
    const sep = { kind: 'special' as const, ids: [config.sep[1]], tokens: [config.sep[0]] };
    return {
      single: [
        { ...cls, typeId: 0 },
        { kind: 'sequence', sequence: 0, typeId: 0 },
        { ...sep, typeId: 0 },
      ],
      pair: [
        { ...cls, typeId: 0 },
        { kind: 'sequence', sequence: 0, typeId: 0 },
        { ...sep, typeId: 0 },
        { kind: 'sequence', sequence: 1, typeId: 1 },
        { ...sep, typeId: 1 },
      ],
    };
  }
  if (config.type !== 'TemplateProcessing') {
    throw new UnsupportedTokenizerError(`post_processor ${(config as { type: string }).type}`);
  }
  const piece = (item: TemplateItemConfig): TemplatePiece => {
    if (item.Sequence)
      return { kind: 'sequence', sequence: item.Sequence.id === 'A' ? 0 : 1, typeId: item.Sequence.type_id };
    const special = config.special_tokens[item.SpecialToken!.id]!;
    return { kind: 'special', ids: special.ids, tokens: special.tokens, typeId: item.SpecialToken!.type_id };
  };
  return { single: config.single.map(piece), pair: config.pair.map(piece) };
}

/** How many special tokens the template adds (Rust `added_tokens(is_pair)`). */
export function addedTokenCount(template: Template, isPair: boolean): number {
  return (isPair ? template.pair : template.single).reduce(
    (sum, p) => sum + (p.kind === 'special' ? p.ids.length : 0),
    0,
  );
}

const TOO_SHORT = 'Truncation error: Sequence to truncate too short to respect the provided max_length';
const NO_SECOND = 'Truncation error: Second sequence not provided';

/**
 * Truncates in place like the Rust `truncate_encodings`; `maxLength` here already excludes the
 * special tokens. Throws the Rust/transformers error when the chosen sequence cannot absorb the cut.
 */
export function truncate(first: TokenSequence, second: TokenSequence | null, params: TruncationParams): void {
  const { maxLength, strategy, side } = params;
  const total = first.ids.length + (second?.ids.length ?? 0);
  if (total <= maxLength) return;
  const toRemove = total - maxLength;
  if (strategy === 'longest_first') {
    if (second === null) {
      keep(first, maxLength, side);
      return;
    }
    // Rust's rule: the shorter sequence keeps its length if it can, otherwise both get about half.
    let shorter = Math.min(first.ids.length, second.ids.length);
    let longer: number;
    if (shorter > maxLength) longer = shorter;
    else longer = Math.max(shorter, maxLength - shorter);
    if (shorter + longer > maxLength) {
      shorter = Math.floor(maxLength / 2);
      longer = shorter + (maxLength % 2);
    }
    const firstIsShorter = first.ids.length <= second.ids.length;
    keep(first, firstIsShorter ? shorter : longer, side);
    keep(second, firstIsShorter ? longer : shorter, side);
    return;
  }
  const target = strategy === 'only_first' ? first : second;
  if (target === null) {
    throw new TruncationError(NO_SECOND, {
      hint: "Use truncation 'only_first' or 'longest_first' for a single text",
    });
  }
  if (target.ids.length <= toRemove) {
    throw new TruncationError(TOO_SHORT, {
      hint: `Removing ${toRemove} tokens would empty the ${strategy === 'only_first' ? 'first' : 'second'} sequence (${target.ids.length} tokens); raise maxLength or use 'longest_first'`,
    });
  }
  keep(target, target.ids.length - toRemove, side);
}

/**
 * The `[from, to)` token ranges the Rust `Encoding::truncate(maxLength, stride, direction)` keeps: the first is the
 * encoding itself, the others its overflowing windows, each repeating `stride` tokens of its neighbour. Right side:
 * windows start every `maxLength - stride` tokens from the start until one reaches the end; left side: the same from
 * the end. `maxLength` 0 moves everything into one overflow window, as Rust does.
 */
export function overflowRanges(
  length: number,
  maxLength: number,
  stride: number,
  side: Side,
): Array<[number, number]> {
  if (maxLength >= length) return [[0, length]];
  if (maxLength === 0)
    return [
      [0, 0],
      [0, length],
    ];
  const step = maxLength - stride;
  const ranges: Array<[number, number]> = [];
  if (side === 'right') {
    for (let from = 0; from < length; from += step) {
      const to = Math.min(from + maxLength, length);
      ranges.push([from, to]);
      if (to === length) break;
    }
  } else {
    for (let last = length - 1; last >= 0; last -= step) {
      const to = last + 1;
      const from = Math.max(to - maxLength, 0);
      ranges.push([from, to]);
      if (from === 0) break;
    }
  }
  return ranges;
}

/** Tokens `[from, to)` of a sequence, offsets and word ids kept (they stay relative to the text). */
export function sliceSequence(sequence: TokenSequence, from: number, to: number): TokenSequence {
  return {
    ids: sequence.ids.slice(from, to),
    tokens: sequence.tokens.slice(from, to),
    offsets: sequence.offsets.slice(2 * from, 2 * to),
    wordIds: sequence.wordIds.slice(from, to),
  };
}

function keep(sequence: TokenSequence, length: number, side: Side): void {
  if (sequence.ids.length <= length) return;
  const from = side === 'right' ? 0 : sequence.ids.length - length;
  const to = from + length;
  sequence.ids = sequence.ids.slice(from, to);
  sequence.tokens = sequence.tokens.slice(from, to);
  sequence.offsets = sequence.offsets.slice(2 * from, 2 * to);
  sequence.wordIds = sequence.wordIds.slice(from, to);
}

/** Lays the sequences out along the template: special tokens, type ids, sequence ids, masks. */
export function applyTemplate(
  template: Template,
  first: TokenSequence,
  second: TokenSequence | null,
  addSpecialTokens: boolean,
): Encoding {
  const pieces = (second === null ? template.single : template.pair).filter(
    (piece) => addSpecialTokens || piece.kind === 'sequence',
  );
  const sequenceOf = (piece: TemplatePiece & { kind: 'sequence' }) =>
    piece.sequence === 0 ? first : second!;
  const length = pieces.reduce(
    (n, p) => n + (p.kind === 'special' ? p.ids.length : sequenceOf(p).ids.length),
    0,
  );
  // Arrays are allocated at their final length and filled by index: this runs once per token.
  const encoding: Encoding = {
    ids: new Array<number>(length),
    tokens: new Array<string>(length),
    typeIds: new Array<number>(length),
    attentionMask: new Array<number>(length).fill(1),
    specialTokensMask: new Array<number>(length),
    offsets: new Array<[number, number]>(length),
    wordIds: new Array<number | null>(length),
    sequenceIds: new Array<number | null>(length),
  };
  let i = 0;
  for (const piece of pieces) {
    if (piece.kind === 'special') {
      for (let k = 0; k < piece.ids.length; k++, i++) {
        encoding.ids[i] = piece.ids[k]!;
        encoding.tokens[i] = piece.tokens[k]!;
        encoding.typeIds[i] = piece.typeId;
        encoding.specialTokensMask[i] = 1;
        encoding.offsets[i] = [0, 0];
        encoding.wordIds[i] = null;
        encoding.sequenceIds[i] = null;
      }
      continue;
    }
    const sequence = sequenceOf(piece);
    const { ids, tokens, offsets, wordIds } = sequence;
    for (let k = 0; k < ids.length; k++, i++) {
      encoding.ids[i] = ids[k]!;
      encoding.tokens[i] = tokens[k]!;
      encoding.typeIds[i] = piece.typeId;
      encoding.specialTokensMask[i] = 0;
      encoding.offsets[i] = [offsets[2 * k]!, offsets[2 * k + 1]!];
      encoding.wordIds[i] = wordIds[k]!;
      encoding.sequenceIds[i] = piece.sequence;
    }
  }
  return encoding;
}

export interface PadToken {
  id: number;
  token: string;
  typeId: number;
}

/** Pads in place to `length` (attention 0, special-tokens mask 1, offsets [0, 0]). */
export function pad(encoding: Encoding, length: number, padToken: PadToken, side: Side): void {
  const missing = length - encoding.ids.length;
  if (missing <= 0) return;
  const fill = <T>(values: T[], value: T): T[] => {
    const padding = new Array<T>(missing).fill(value);
    return side === 'right' ? values.concat(padding) : padding.concat(values);
  };
  encoding.ids = fill(encoding.ids, padToken.id);
  encoding.tokens = fill(encoding.tokens, padToken.token);
  encoding.typeIds = fill(encoding.typeIds, padToken.typeId);
  encoding.attentionMask = fill(encoding.attentionMask, 0);
  encoding.specialTokensMask = fill(encoding.specialTokensMask, 1);
  encoding.offsets =
    side === 'right'
      ? encoding.offsets.concat(padOffsets(missing))
      : padOffsets(missing).concat(encoding.offsets);
  encoding.wordIds = fill<number | null>(encoding.wordIds, null);
  encoding.sequenceIds = fill<number | null>(encoding.sequenceIds, null);
}

function padOffsets(count: number): Array<[number, number]> {
  return Array.from({ length: count }, () => [0, 0] as [number, number]);
}
