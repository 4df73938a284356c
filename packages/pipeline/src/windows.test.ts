import { fileURLToPath } from 'node:url';
import { type Encoding, loadTokenizer, type Tokenizer } from '@bcmb/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignWindows, windowWeights } from './windows.js';

const TINY_BPE = fileURLToPath(new URL('../fixtures/tiny-bpe/', import.meta.url));
const TINY_WORDPIECE = fileURLToPath(new URL('../fixtures/tiny-wordpiece/', import.meta.url));

let bpe: Tokenizer;
let wordpiece: Tokenizer;
beforeAll(async () => {
  [bpe, wordpiece] = await Promise.all([loadTokenizer(TINY_BPE), loadTokenizer(TINY_WORDPIECE)]);
});

const NOTE =
  'HPI: 67 yo M w/ CHF, DM2 p/w SOB.  Denies CP.\n\n患者发热 🧑‍⚕️ seen by Dr. [**Name**].   Plan: diurese; f/u.';

describe('alignWindows', () => {
  it.each([
    [16, 4],
    [12, 9],
    [20, 0],
    [64, 8],
  ])(
    'maxLength %i stride %i: the windows line up into exactly the whole encoding (ids, offsets, word ids)',
    (maxLength, stride) => {
      for (const tokenizer of [bpe, wordpiece]) {
        const whole = tokenizer.encode(NOTE);
        const aligned = alignWindows(
          tokenizer.encode(NOTE, { maxLength, stride, returnOverflowingTokens: true }),
          stride,
        );
        expect(aligned.whole).toEqual({
          ids: whole.ids,
          tokens: whole.tokens,
          offsets: whole.offsets,
          specialTokensMask: whole.specialTokensMask,
          wordIds: whole.wordIds,
        });
        aligned.sources.forEach(({ window, position }, p) => {
          expect((aligned.windows[window] as Encoding).ids[position]).toBe(whole.ids[p]);
        });
      }
    },
  );

  it('takes each token from the window where it has the most context, the earlier one on a tie', () => {
    // 30 text tokens, windows of 10 text tokens overlapping by 4 start at 0, 6, 12, 18 and 24 (the last holds 6).
    const text = Array.from({ length: 30 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(' ');
    const aligned = alignWindows(
      wordpiece.encode(text, { maxLength: 12, stride: 4, returnOverflowingTokens: true }),
      4,
    );
    expect(aligned.windows.map((w) => w.ids.length)).toEqual([12, 12, 12, 12, 8]);
    const windowOf = aligned.sources.slice(1, -1).map((s) => s.window);
    // Context of token g in window [start, end): min(g - start, end - 1 - g), a side at the text's start or end
    // counting as complete. Token 7: window 0 gives min(∞, 2) = 2, window 1 min(1, 8) = 1 → window 0; token 8:
    // 1 against 2 → window 1; token 13: window 1 min(7, 2) = 2, window 2 min(1, 8) = 1 → window 1; token 25:
    // window 3 min(7, 2) = 2, window 4 min(1, ∞) = 1 → window 3; token 26: 1 against 2 → window 4.
    expect(windowOf).toEqual([
      ...Array(8).fill(0),
      ...Array(6).fill(1),
      ...Array(6).fill(2),
      ...Array(6).fill(3),
      ...Array(4).fill(4),
    ]);
    expect(aligned.sources[0]).toEqual({ window: 0, position: 0 });
    expect(aligned.sources.at(-1)).toEqual({ window: 4, position: 7 });
    expect(windowWeights(aligned.windows)).toEqual([12, 12, 12, 12, 8]);
  });

  it('an empty text is its special tokens', () => {
    const aligned = alignWindows(
      wordpiece.encode('', { maxLength: 8, stride: 2, returnOverflowingTokens: true }),
      2,
    );
    expect(aligned.whole.tokens).toEqual(['[CLS]', '[SEP]']);
    expect(aligned.windows).toHaveLength(1);
  });
});
