import { DatasetFormatError } from './errors.js';

// The research loader is Python: its str.split()/strip(), `\s`, `\w` and string offsets follow Python's
// Unicode rules, which differ from JavaScript's. These helpers reproduce the Python behaviour.

/** Characters Python's str.isspace() accepts (Py_UNICODE_ISSPACE); JS `\s` lacks \x1c-\x1f and \x85 and adds \ufeff. */
const PY_SPACE_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's Unicode `\w`: str.isalnum() (letters and numerics) or underscore. */
const PY_WORD_CLASS = '\\p{L}\\p{N}_';

const LEADING_SPACE = new RegExp(`^[${PY_SPACE_CLASS}]+`, 'u');
const TRAILING_SPACE = new RegExp(`[${PY_SPACE_CLASS}]+$`, 'u');
const SPACE_RUN = new RegExp(`[${PY_SPACE_CLASS}]+`, 'u');

/** Python `re` pattern `\S+` (whitespace-delimited tokens, SocialHistory). */
export const PY_NON_SPACE_RUN = new RegExp(`[^${PY_SPACE_CLASS}]+`, 'gu');
/** Python `re` pattern `\w+|[^\w\s]` (words and single punctuation marks, COS). */
export const PY_WORD_OR_PUNCT = new RegExp(`[${PY_WORD_CLASS}]+|[^${PY_WORD_CLASS}${PY_SPACE_CLASS}]`, 'gu');

/** Python `s.strip()`. */
export function pyStrip(text: string): string {
  return text.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '');
}

/** Python `s.split()` / `s.split(None, maxsplit)`: runs of whitespace separate, no empty strings. */
export function pySplit(text: string, maxsplit = -1): string[] {
  const parts: string[] = [];
  let rest = text.replace(LEADING_SPACE, '');
  while (rest !== '') {
    if (maxsplit >= 0 && parts.length === maxsplit) {
      parts.push(rest);
      break;
    }
    const match = SPACE_RUN.exec(rest);
    if (match === null) {
      parts.push(rest);
      break;
    }
    parts.push(rest.slice(0, match.index));
    rest = rest.slice(match.index + match[0].length);
  }
  return parts;
}

/** What Python's `int()` accepts from an ASCII string: optional sign, digits with single underscores. */
const PY_INT = /^[ \t\n\v\f\r]*[+-]?\d+(?:_\d+)*[ \t\n\v\f\r]*$/;

/** Python `int(s)` for ASCII input, or undefined where Python raises ValueError. */
export function pyInt(text: string): number | undefined {
  if (!PY_INT.test(text)) return undefined;
  return Number.parseInt(text.trim().replaceAll('_', ''), 10);
}

/** Python text-mode reading translates `\r\n` and lone `\r` to `\n` (universal newlines). */
export function universalNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text `open(path, encoding="utf-8").read()` gives for these bytes: strict UTF-8 (a BOM is kept as a
 * character), universal newlines. `path` names the file in errors.
 */
export function decodePythonText(bytes: Uint8Array, path: string): string {
  try {
    return universalNewlines(utf8.decode(bytes));
  } catch (cause) {
    throw new DatasetFormatError('File is not valid UTF-8', {
      file: path,
      cause,
      hint: 'The research loader reads it as UTF-8; re-export it in that encoding',
    });
  }
}

/** Python `for line in f`: lines keep their `\n`; the last one may lack it. Numbers are 1-based. */
export function pythonLines(text: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let start = 0;
  let line = 1;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end + 1;
    lines.push({ text: text.slice(start, stop), line });
    start = stop;
    line += 1;
  }
  return lines;
}

/** A regex match with Python (code point) offsets, which brat standoff offsets use. */
export interface CodePointMatch {
  text: string;
  start: number;
  end: number;
}

/** All matches of a global regex, with start/end counted in code points as Python counts them. */
export function matchesWithCodePointOffsets(text: string, pattern: RegExp): CodePointMatch[] {
  const matches: CodePointMatch[] = [];
  let unitPos = 0;
  let pointPos = 0;
  for (const match of text.matchAll(pattern)) {
    pointPos += codePointLength(text, unitPos, match.index);
    const start = pointPos;
    const end = start + codePointLength(match[0], 0, match[0].length);
    unitPos = match.index + match[0].length;
    pointPos = end;
    matches.push({ text: match[0], start, end });
  }
  return matches;
}

/** Number of code points in `text.slice(from, to)` (a surrogate pair counts once). */
export function codePointLength(text: string, from = 0, to = text.length): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff && i > from) {
      const previous = text.charCodeAt(i - 1);
      if (previous >= 0xd800 && previous <= 0xdbff) continue;
    }
    count += 1;
  }
  return count;
}
