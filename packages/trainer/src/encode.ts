import type { Tokenizer } from '@bcmb/tokenizer';
import { alignWordLabels, type EncodedExample } from './collate.js';

/** A task example as `@bcmb/datasets` gives it: a text with a class id or multi-hot row, or tagged words. */
export type RawExample =
  | { text: string; labels: number | number[] }
  | { tokens: string[]; nerTags: number[] };

export interface EncodeOptions {
  /** Truncation length including special tokens (the research code's `max_length`). */
  maxLength: number;
  /** Keep token_type_ids (BERT); ModernBERT takes none. */
  withTokenTypes: boolean;
}

/**
 * Tokenizes examples the way the research code does before its collator: texts with `truncation=True,
 * max_length`, pre-split words with `is_split_into_words=True` and labels on each word's first sub-token.
 */
export function encodeExamples(
  tokenizer: Tokenizer,
  examples: readonly RawExample[],
  options: EncodeOptions,
): EncodedExample[] {
  const settings = { truncation: true, maxLength: options.maxLength } as const;
  return examples.map((example) => {
    const isWords = 'tokens' in example;
    const encoding = isWords
      ? tokenizer.encodeWords(example.tokens, settings)
      : tokenizer.encode(example.text, settings);
    const label = isWords ? alignWordLabels(encoding.wordIds, example.nerTags) : example.labels;
    return {
      inputIds: encoding.ids,
      ...(options.withTokenTypes ? { tokenTypeIds: encoding.typeIds } : {}),
      label,
    };
  });
}
