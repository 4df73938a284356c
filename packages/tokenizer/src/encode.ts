import { TokenizerUsageError } from './errors.js';
import { VERY_LARGE_INTEGER } from './max-length.js';
import type { TokenSequence } from './pipeline.js';
import {
  addedTokenCount,
  applyTemplate,
  type Encoding,
  overflowRanges,
  type PadToken,
  pad,
  type Side,
  sliceSequence,
  type Template,
  type TruncationParams,
  type TruncationStrategy,
  truncate,
} from './post-process.js';

/** Options of `encode`, `encodeBatch`, `encodeWords`: transformers' `__call__` arguments, camel-cased. */
export interface EncodeOptions {
  /** Add the template's special tokens ([CLS] … [SEP]). Default true. */
  addSpecialTokens?: boolean;
  /**
   * `true` = 'longest_first'. Default: off, unless `maxLength` is given without padding, in which
   * case transformers switches 'longest_first' on (and so does bcmb).
   */
  truncation?: boolean | TruncationStrategy;
  /** Length limit including special tokens. Default: the tokenizer's `modelMaxLength`. */
  maxLength?: number;
  /** `true` = 'longest' (pad to the longest in the batch); 'max_length' pads to `maxLength`. */
  padding?: boolean | 'longest' | 'max_length';
  padToMultipleOf?: number;
  /** Default 'right', as transformers. */
  truncationSide?: Side;
  /** Default 'right', as transformers. */
  paddingSide?: Side;
  /**
   * transformers' `return_overflowing_tokens` (single sequences): with truncation, the tokens cut off come back
   * as further windows in `Encoding.overflowing`, each with its own special tokens and offsets into the
   * original text. Default false.
   */
  returnOverflowingTokens?: boolean;
  /**
   * transformers' `stride`: how many tokens each overflow window repeats from the end of the window before it.
   * Must be below `maxLength` minus the special tokens. Default 0.
   */
  stride?: number;
}

export interface PostProcessContext {
  template: Template;
  padToken: PadToken | null;
  modelMaxLength: number;
}

export interface ResolvedOptions {
  addSpecialTokens: boolean;
  truncation: TruncationParams | null;
  padding: 'none' | 'longest' | 'max_length';
  maxLength: number | undefined;
  padToMultipleOf: number | undefined;
  paddingSide: Side;
  /** Overflow windows are asked for and truncation is on. */
  overflowing: boolean;
  stride: number;
}

export function resolveOptions(options: EncodeOptions, context: PostProcessContext): ResolvedOptions {
  const padding = options.padding === true ? 'longest' : options.padding || 'none';
  let strategy: TruncationStrategy | null = null;
  if (options.truncation === true) strategy = 'longest_first';
  else if (typeof options.truncation === 'string') strategy = options.truncation;
  else if (options.truncation === undefined && options.maxLength !== undefined && padding === 'none') {
    strategy = 'longest_first';
  }
  const maxLength =
    options.maxLength ?? (context.modelMaxLength < VERY_LARGE_INTEGER ? context.modelMaxLength : undefined);
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 0)) {
    throw new TokenizerUsageError(`maxLength must be a non-negative integer, got ${maxLength}`);
  }
  const stride = options.stride ?? 0;
  if (!Number.isInteger(stride) || stride < 0) {
    throw new TokenizerUsageError(`stride must be a non-negative integer, got ${stride}`);
  }
  const truncation =
    strategy === null || maxLength === undefined
      ? null
      : { maxLength, strategy, side: options.truncationSide ?? 'right' };
  return {
    addSpecialTokens: options.addSpecialTokens ?? true,
    truncation,
    padding,
    maxLength,
    padToMultipleOf: options.padToMultipleOf,
    paddingSide: options.paddingSide ?? 'right',
    overflowing: truncation !== null && options.returnOverflowingTokens === true,
    stride,
  };
}

/**
 * How many tokens to tokenize a sequence up to (Rust `do_tokenize`): with right-side truncation,
 * every sequence but the first under 'only_second' stops early at `maxLength`. Overflow windows need the
 * whole text, so they tokenize it all (the Rust `tokenizers` 0.23 binding stops early here too and loses
 * the tail of the text; transformers' windowed pipelines rely on the full overflow).
 */
export function tokenizationLimit(options: ResolvedOptions, sequenceIndex: 0 | 1): number {
  const truncation = options.truncation;
  if (truncation === null || truncation.side !== 'right' || options.overflowing)
    return Number.POSITIVE_INFINITY;
  if (truncation.strategy === 'only_second' && sequenceIndex === 0) return Number.POSITIVE_INFINITY;
  return truncation.maxLength;
}

/**
 * Post-processes a batch the way the Rust `Tokenizer::post_process` + batch padding do:
 * truncation (with room left for special tokens) → template → padding.
 */
export function postProcessBatch(
  inputs: ReadonlyArray<[TokenSequence, TokenSequence | null]>,
  resolved: ResolvedOptions,
  context: PostProcessContext,
): Encoding[] {
  const encodings = inputs.map(([first, second]) => {
    if (resolved.truncation !== null) {
      const added = resolved.addSpecialTokens ? addedTokenCount(context.template, second !== null) : 0;
      if (resolved.truncation.maxLength < added) {
        throw new TokenizerUsageError(
          `maxLength ${resolved.truncation.maxLength} leaves no room for the ${added} special tokens`,
          { hint: 'Raise maxLength' },
        );
      }
      const params = { ...resolved.truncation, maxLength: resolved.truncation.maxLength - added };
      if (resolved.overflowing) return overflowWindows(first, second, params, resolved, context);
      truncate(first, second, params);
    }
    return applyTemplate(context.template, first, second, resolved.addSpecialTokens);
  });
  padBatch(
    encodings.flatMap((encoding) => [encoding, ...(encoding.overflowing ?? [])]),
    resolved,
    context,
  );
  return encodings;
}

/**
 * A single sequence cut into windows as the Rust `Encoding::truncate(max_len, stride, direction)` cuts it, each
 * window then laid out along the template (so every window has its own special tokens): the first window is the
 * encoding, the others its `overflowing`.
 */
function overflowWindows(
  first: TokenSequence,
  second: TokenSequence | null,
  params: TruncationParams,
  resolved: ResolvedOptions,
  context: PostProcessContext,
): Encoding {
  if (second !== null) {
    throw new TokenizerUsageError('returnOverflowingTokens is implemented for single sequences only', {
      hint: 'Encode the texts of a pair without returnOverflowingTokens, or window each text on its own',
    });
  }
  if (params.strategy === 'only_second') {
    // Rust: only_second on a single sequence is an error whatever the windows.
    truncate(first, null, params);
  }
  const maxContent = params.maxLength;
  if (maxContent > 0 && resolved.stride >= maxContent) {
    throw new TokenizerUsageError(
      `stride ${resolved.stride} must be strictly less than maxLength minus the special tokens (${maxContent})`,
      { hint: 'Lower stride or raise maxLength' },
    );
  }
  const [main, ...rest] = overflowRanges(first.ids.length, maxContent, resolved.stride, params.side).map(
    ([from, to]) =>
      applyTemplate(context.template, sliceSequence(first, from, to), null, resolved.addSpecialTokens),
  );
  const encoding = main as Encoding;
  encoding.overflowing = rest;
  return encoding;
}

function padBatch(encodings: Encoding[], options: ResolvedOptions, context: PostProcessContext): void {
  if (options.padding === 'none') return;
  let target: number;
  if (options.padding === 'longest')
    target = encodings.reduce((longest, e) => Math.max(longest, e.ids.length), 0);
  else if (options.maxLength !== undefined) target = options.maxLength;
  else return; // transformers: no usable model_max_length, so no padding to max_length.
  const multiple = options.padToMultipleOf;
  if (multiple !== undefined && multiple > 0 && target % multiple !== 0)
    target += multiple - (target % multiple);
  if (context.padToken === null) {
    throw new TokenizerUsageError('Asked for padding but the tokenizer has no pad token', {
      hint: 'Give the tokenizer a pad_token in tokenizer_config.json or special_tokens_map.json',
    });
  }
  for (const encoding of encodings) pad(encoding, target, context.padToken, options.paddingSide);
}
