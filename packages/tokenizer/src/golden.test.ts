import { beforeAll, describe, expect, it } from 'vitest';
import type { EncodeOptions } from './encode.js';
import { toCodePointOffsets } from './offsets.js';
import type { Encoding } from './post-process.js';
import {
  type GoldenCase,
  type GoldenExpected,
  goldenCases,
  loadVariant,
  VARIANT_NAMES,
} from './test-support.js';
import type { Tokenizer } from './tokenizer.js';

function optionsOf(c: GoldenCase): EncodeOptions {
  const options: EncodeOptions = { addSpecialTokens: c.add_special_tokens };
  if (c.truncation) {
    options.truncation = c.truncation.strategy;
    options.maxLength = c.truncation.max_length;
    options.truncationSide = c.truncation.direction;
  }
  if (c.padding) {
    options.padding = c.padding.strategy;
    if (c.padding.max_length !== null) options.maxLength = c.padding.max_length;
  }
  return options;
}

function run(tokenizer: Tokenizer, c: GoldenCase): Encoding[] {
  const options = optionsOf(c);
  switch (c.kind) {
    case 'single':
      return [tokenizer.encode(c.text!, options)];
    case 'pair':
      return [tokenizer.encode(c.text!, { ...options, textPair: c.text_pair! })];
    case 'words':
      return [tokenizer.encodeWords(c.words!, options)];
    case 'batch':
      return tokenizer.encodeBatch(c.texts!, options);
  }
}

/** The string each token's offsets point into: the text, the pair, or (pre-split) its word. */
function sourceOf(c: GoldenCase, index: number, encoding: Encoding, position: number): string {
  if (c.kind === 'words') return c.words![encoding.wordIds[position]!]!;
  if (c.kind === 'batch') return c.texts![index]!;
  return encoding.sequenceIds[position] === 1 ? c.text_pair! : c.text!;
}

/** Our encoding in the golden schema; `offsets` (code points) derived from our UTF-16 offsets. */
function asGolden(c: GoldenCase, index: number, encoding: Encoding): GoldenExpected {
  return {
    ids: encoding.ids,
    tokens: encoding.tokens,
    type_ids: encoding.typeIds,
    attention_mask: encoding.attentionMask,
    special_tokens_mask: encoding.specialTokensMask,
    offsets: encoding.offsets.map((span, position) =>
      encoding.sequenceIds[position] === null
        ? span
        : toCodePointOffsets(sourceOf(c, index, encoding, position), [span])[0]!,
    ),
    offsets_utf16: encoding.offsets,
    word_ids: encoding.wordIds,
    sequence_ids: encoding.sequenceIds,
  };
}

describe.each(VARIANT_NAMES)('%s matches the Rust tokenizers golden encodings', (variant) => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await loadVariant(variant);
  });

  it.each(goldenCases(variant).map((c) => [c.id, c] as const))('%s', (_, c) => {
    const expected = Array.isArray(c.expected) ? c.expected : [c.expected];
    const error = expected.find((e): e is { error: string } => 'error' in e);
    if (error !== undefined) {
      expect(() => run(tokenizer, c)).toThrow(error.error);
      return;
    }
    const encodings = run(tokenizer, c);
    expect(encodings).toHaveLength(expected.length);
    encodings.forEach((encoding, index) => {
      const { overflowing_count: _, ...fields } = expected[index] as GoldenExpected & {
        overflowing_count?: number;
      };
      expect(asGolden(c, index, encoding)).toEqual(fields);
    });
  });
});
