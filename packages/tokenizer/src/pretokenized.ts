import { emptySequence, type TokenPipeline, type TokenSequence } from './pipeline.js';

/**
 * Pre-split words (transformers' `is_split_into_words=True`, the NER path), following the Rust
 * PreTokenized path: each word goes through added tokens, normalization, pre-tokenization and the
 * model on its own (so ByteLevel's add_prefix_space puts a "Ġ" before every word), every token gets
 * the word's index as word id, and offsets stay relative to the word (they restart at 0 in each one).
 * Empty words give no tokens. `limit` applies to each word on its own, as Rust's `do_tokenize` does.
 */
export function tokenizeWords(
  pipeline: TokenPipeline,
  words: readonly string[],
  limit: number,
): TokenSequence {
  const sequence = emptySequence();
  words.forEach((word, index) => {
    pipeline.tokenize(word, sequence, index, limit);
  });
  return sequence;
}
