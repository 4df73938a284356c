import { describe, expect, it } from 'vitest';
import { toCodePointOffsets, toUtf16Offsets } from './offsets.js';

describe('offset conversion', () => {
  const text = 'pain 😣 and 👩🏽\u200d⚕️ ok';

  it('converts UTF-16 spans to the code-point spans Python reports, and back', () => {
    const utf16: Array<[number, number]> = [
      [0, 4],
      [5, 7],
      [8, 11],
      [12, 19],
      [20, 22],
    ];
    const codePoints = toCodePointOffsets(text, utf16);
    expect(codePoints).toEqual([
      [0, 4],
      [5, 6],
      [7, 10],
      [11, 16],
      [17, 19],
    ]);
    expect(toUtf16Offsets(text, codePoints)).toEqual(utf16);
  });

  it('gives spans that String.prototype.slice turns back into the source characters', () => {
    const [[start, end]] = toUtf16Offsets(text, [[5, 6]]) as [[number, number]];
    expect(text.slice(start, end)).toBe('😣');
  });
});
