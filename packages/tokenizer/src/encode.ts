import { TokenizerUsageError } from './errors.js';
import { VERY_LARGE_INTEGER } from './max-length.js';
import type { TokenSequence } from './pipeline.js';
import {
  addedTokenCount,
  applyTemplate,
  type Encoding,
  type PadToken,
  pad,
  type Side,
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
  return {
    addSpecialTokens: options.addSpecialTokens ?? true,
    truncation:
      strategy === null || maxLength === undefined
        ? null
        : { maxLength, strategy, side: options.truncationSide ?? 'right' },
    padding,
    maxLength,
    padToMultipleOf: options.padToMultipleOf,
    paddingSide: options.paddingSide ?? 'right',
  };
}

/**
 * How many tokens to tokenize a sequence up to (Rust `do_tokenize`): with right-side truncation,
 * every sequence but the first under 'only_second' stops early at `maxLength`.
 */
export function tokenizationLimit(options: ResolvedOptions, sequenceIndex: 0 | 1): number {
  const truncation = options.truncation;
  if (truncation === null || truncation.side !== 'right') return Number.POSITIVE_INFINITY;
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
      truncate(first, second, { ...resolved.truncation, maxLength: resolved.truncation.maxLength - added });
    }
    return applyTemplate(context.template, first, second, resolved.addSpecialTokens);
  });
  padBatch(encodings, resolved, context);
  return encodings;
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
