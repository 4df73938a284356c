import { beforeAll, describe, expect, it } from 'vitest';
import { TokenizerUsageError } from './errors.js';
import type { Encoding } from './post-process.js';
import { overflowRanges } from './post-process.js';
import {
  type GoldenCase,
  type GoldenExpected,
  loadVariant,
  readFixture,
  VARIANT_NAMES,
} from './test-support.js';
import type { Tokenizer } from './tokenizer.js';

interface OverflowCase extends Omit<GoldenCase, 'truncation' | 'expected'> {
  text: string;
  truncation: { max_length: number; stride: number; direction: 'right' | 'left' };
  expected: GoldenExpected[];
}

const golden = JSON.parse(readFixture('golden/rust-overflow.golden.json')).variants as Record<
  string,
  OverflowCase[]
>;

function asGolden(encoding: Encoding) {
  return {
    ids: encoding.ids,
    tokens: encoding.tokens,
    type_ids: encoding.typeIds,
    attention_mask: encoding.attentionMask,
    special_tokens_mask: encoding.specialTokensMask,
    offsets_utf16: encoding.offsets,
    word_ids: encoding.wordIds,
    sequence_ids: encoding.sequenceIds,
  };
}

describe.each(VARIANT_NAMES)('%s: overflow windows (return_overflowing_tokens + stride)', (variant) => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await loadVariant(variant);
  });
  it.each(golden[variant]!.map((c) => [c.id, c] as const))(
    '%s equals the Rust Encoding.truncate + post_process windows, offsets into the original text',
    (_, c) => {
      const encoding = tokenizer.encode(c.text, {
        truncation: true,
        maxLength: c.truncation.max_length,
        stride: c.truncation.stride,
        truncationSide: c.truncation.direction,
        returnOverflowingTokens: true,
      });
      const windows = [encoding, ...(encoding.overflowing ?? [])];
      expect(windows.map(asGolden)).toEqual(c.expected.map(({ offsets: _, ...fields }) => fields));
      for (const window of windows.slice(1)) expect(window.overflowing).toBeUndefined();
    },
  );
});

describe('overflow windows', () => {
  it('cover every token of the whole text once the stride overlap is removed, with specials on each', async () => {
    const tokenizer = await loadVariant('bert_base_cased.cased');
    const text = 'word '.repeat(300).trim();
    const whole = tokenizer.encode(text);
    const first = tokenizer.encode(text, { maxLength: 64, stride: 16, returnOverflowingTokens: true });
    const windows = [first, ...(first.overflowing ?? [])];
    const content = windows.map((w) => w.ids.slice(1, -1));
    const joined = content.flatMap((ids, i) => (i === 0 ? ids : ids.slice(16)));
    expect(joined).toEqual(whole.ids.slice(1, -1));
    for (const w of windows) {
      expect(w.ids.length).toBeLessThanOrEqual(64);
      expect([w.tokens[0], w.tokens.at(-1)]).toEqual(['[CLS]', '[SEP]']);
    }
  });

  it('pads every window with padding "longest" and gives [] when the text fits', async () => {
    const tokenizer = await loadVariant('modernbert.default');
    const [long, short] = tokenizer.encodeBatch(['one two three four five six seven eight nine', 'ok'], {
      truncation: true,
      maxLength: 6,
      stride: 1,
      returnOverflowingTokens: true,
      padding: true,
    });
    expect(short!.overflowing).toEqual([]);
    expect(short!.ids).toHaveLength(6);
    const last = long!.overflowing!.at(-1)!;
    expect(last.ids).toHaveLength(6);
    expect(last.attentionMask.at(-1)).toBe(0);
  });

  it('is off without truncation, and refuses a stride as long as the window and pairs', async () => {
    const tokenizer = await loadVariant('bert_base_cased.cased');
    expect(tokenizer.encode('a b c', { returnOverflowingTokens: true }).overflowing).toBeUndefined();
    expect(() =>
      tokenizer.encode('a b c d e f', { maxLength: 5, stride: 3, returnOverflowingTokens: true }),
    ).toThrow(TokenizerUsageError);
    expect(() =>
      tokenizer.encode('a b c d e f', { textPair: 'g', maxLength: 5, returnOverflowingTokens: true }),
    ).toThrow(/single sequences/);
  });

  it('windows pre-split words the same way, word ids kept', async () => {
    const tokenizer = await loadVariant('bert_base_cased.cased');
    const words = 'one two three four five six seven eight nine ten'.split(' ');
    const first = tokenizer.encodeWords(words, { maxLength: 6, stride: 1, returnOverflowingTokens: true });
    expect([first, ...(first.overflowing ?? [])].map((w) => w.wordIds)).toEqual([
      [null, 0, 1, 2, 3, null],
      [null, 3, 4, 5, 6, null],
      [null, 6, 7, 8, 9, null],
    ]);
  });

  it('plans Rust ranges on both sides', () => {
    expect(overflowRanges(10, 4, 1, 'right')).toEqual([
      [0, 4],
      [3, 7],
      [6, 10],
    ]);
    expect(overflowRanges(10, 4, 1, 'left')).toEqual([
      [6, 10],
      [3, 7],
      [0, 4],
    ]);
    expect(overflowRanges(3, 4, 1, 'right')).toEqual([[0, 3]]);
  });
});
