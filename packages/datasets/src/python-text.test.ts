import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from './errors.js';
import {
  matchesWithCodePointOffsets,
  PY_NON_SPACE_RUN,
  PY_WORD_OR_PUNCT,
  pyInt,
  pySplit,
  pyStrip,
  universalNewlines,
} from './python-text.js';
import { readPythonText } from './python-text-file.js';
import { withScratchDir } from './test-fixtures.js';

describe('Python string semantics', () => {
  it('splits like str.split(): Python whitespace (\\x1c-\\x1f, \\x85) separates, U+FEFF does not', () => {
    expect(pySplit('  a\x1cb\x85c\ufeffd  ')).toEqual(['a', 'b', 'c\ufeffd']);
    expect(pySplit('')).toEqual([]);
  });

  it('splits like str.split(None, 3): the rest keeps its inner and trailing whitespace', () => {
    expect(pySplit('Snippet 12 78\tPain in  knee.\n', 3)).toEqual([
      'Snippet',
      '12',
      '78',
      'Pain in  knee.\n',
    ]);
  });

  it('strips like str.strip()', () => {
    expect(pyStrip('\x1f\u3000 x y \n')).toBe('x y');
  });

  it('parses like int(): signs and single underscores, nothing else', () => {
    expect([pyInt('12'), pyInt('+3'), pyInt('1_000'), pyInt('12;15'), pyInt('1.0'), pyInt('')]).toEqual([
      12,
      3,
      1000,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('tokenises \\w+|[^\\w\\s] with Unicode word characters and code point offsets', () => {
    expect(matchesWithCodePointOffsets('Temp 38.5°C, 𝟘x_y!', PY_WORD_OR_PUNCT)).toEqual([
      { text: 'Temp', start: 0, end: 4 },
      { text: '38', start: 5, end: 7 },
      { text: '.', start: 7, end: 8 },
      { text: '5', start: 8, end: 9 },
      { text: '°', start: 9, end: 10 },
      { text: 'C', start: 10, end: 11 },
      { text: ',', start: 11, end: 12 },
      { text: '𝟘x_y', start: 13, end: 17 },
      { text: '!', start: 17, end: 18 },
    ]);
    expect(matchesWithCodePointOffsets('a\x1db', PY_NON_SPACE_RUN).map((m) => m.text)).toEqual(['a', 'b']);
  });

  it('translates newlines like text-mode open()', () => {
    expect(universalNewlines('a\r\nb\rc\n')).toBe('a\nb\nc\n');
  });

  it('reads files like open(encoding="utf-8"): a BOM stays, invalid bytes are a DatasetFormatError', async () => {
    await withScratchDir(undefined, async (dir) => {
      const file = join(dir, 'note.txt');
      writeFileSync(file, Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x0d, 0x0a]));
      expect(await readPythonText(file)).toBe('\ufeffa\n');
      writeFileSync(file, Buffer.from([0x61, 0xff]));
      await expect(readPythonText(file)).rejects.toThrow(DatasetFormatError);
    });
  });
});
