import { type AlignedText, AlignedTextBuilder, forEachCodePoint } from './aligned-text.js';
import { UnsupportedTokenizerError } from './errors.js';

/** A normalizer stage: text in, text out, offsets carried through. */
export type Normalizer = (text: AlignedText) => AlignedText;

/** The `normalizer` field of a tokenizer.json (the kinds bcmb supports). */
export type NormalizerConfig =
  | { type: 'NFC' | 'NFD' | 'NFKC' | 'NFKD' | 'Lowercase' | 'StripAccents' }
  | {
      type: 'BertNormalizer';
      clean_text?: boolean;
      handle_chinese_chars?: boolean;
      strip_accents?: boolean | null;
      lowercase?: boolean;
    }
  | { type: 'Sequence'; normalizers: NormalizerConfig[] };

export function createNormalizer(config: NormalizerConfig | null | undefined): Normalizer | null {
  if (config === null || config === undefined) return null;
  switch (config.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = config.type;
      return (text) => unicodeNormalize(text, form);
    }
    case 'Lowercase':
      return (text) => mapCodePoints(text, { lowercase: true });
    case 'StripAccents':
      return (text) => mapCodePoints(text, { stripAccents: true });
    case 'BertNormalizer': {
      const lowercase = config.lowercase ?? true;
      const options: CodePointOptions = {
        clean: config.clean_text ?? true,
        chinese: config.handle_chinese_chars ?? true,
        // Rust BertNormalizer: `strip_accents.unwrap_or(lowercase)`.
        stripAccents: config.strip_accents ?? lowercase,
        lowercase,
      };
      return (text) => mapCodePoints(text, options);
    }
    case 'Sequence': {
      const stages = config.normalizers.map(createNormalizer).filter((n): n is Normalizer => n !== null);
      return (text) => stages.reduce((current, stage) => stage(current), text);
    }
    default:
      throw new UnsupportedTokenizerError(`normalizer ${(config as { type: string }).type}`);
  }
}

// A code point that can join the one before it under composition: a combining mark or a Hangul
// medial vowel / final consonant jamo. Anything else starts a new cluster.
const JOINS_PREVIOUS = /[\p{M}\u1160-\u11ff\ud7b0-\ud7ff]/u;

/**
 * Unicode normalization with alignment. Text is cut into clusters (a code point and the marks or
 * jamo after it). In a cluster that shrinks from n to m code points, the first output code point
 * takes the span of the first input one and swallows the next n − m inputs; the others follow one
 * for one. In a cluster that grows, extra code points share the previous one's span. This is what
 * `unicode-normalization-alignments` gives the Rust library ("e\u0301" → "é" maps to the "e";
 * "e\u0301\u0323" → "ẹ\u0301" maps the accent to the dot-below's position).
 */
function unicodeNormalize(text: AlignedText, form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): AlignedText {
  const source = text.text;
  if (source.normalize(form) === source) return text;
  const builder = new AlignedTextBuilder(source.length);
  let clusterStart = 0;
  const flush = (end: number) => {
    if (end > clusterStart) normalizeCluster(text, clusterStart, end, form, builder);
    clusterStart = end;
  };
  forEachCodePoint(source, (codePoint, unit) => {
    if (unit > 0 && !JOINS_PREVIOUS.test(String.fromCodePoint(codePoint))) flush(unit);
  });
  flush(source.length);
  return builder.build();
}

function normalizeCluster(
  text: AlignedText,
  from: number,
  to: number,
  form: string,
  builder: AlignedTextBuilder,
): void {
  const cluster = text.text.slice(from, to);
  const normalized = cluster.normalize(form);
  if (normalized === cluster) {
    builder.copyFrom(text, from, to);
    return;
  }
  const inputs: Array<[number, number]> = [];
  forEachCodePoint(cluster, (_, unit, units) => {
    inputs.push(text.sourceSpan(from + unit, from + unit + units));
  });
  const outputs = Array.from(normalized);
  const swallowed = Math.max(0, inputs.length - outputs.length);
  let span = inputs[0]!;
  outputs.forEach((char, k) => {
    const input = k === 0 ? 0 : k + swallowed;
    if (input < inputs.length) span = inputs[input]!;
    builder.push(char, span[0], span[1]);
  });
}

interface CodePointOptions {
  clean?: boolean;
  chinese?: boolean;
  stripAccents?: boolean;
  lowercase?: boolean;
}

const ASCII_WHITESPACE = /[\t\n\r]/g;
const OTHER = /\p{C}/u;
const WHITE_SPACE = /\p{White_Space}/u;
const NONSPACING_MARKS = /\p{Mn}/gu;

/**
 * The code-point-local normalizers (BertNormalizer and its parts), in the Rust order: clean_text,
 * handle_chinese_chars, strip_accents (NFD then drop Mn), lowercase. Every output code point keeps
 * the span of the input code point it came from.
 */
function mapCodePoints(text: AlignedText, options: CodePointOptions): AlignedText {
  const source = text.text;
  if (isPlainAscii(source, options.clean === true)) {
    // ASCII fast path: every change is one unit for one unit.
    let mapped = options.clean ? source.replace(ASCII_WHITESPACE, ' ') : source;
    if (options.lowercase) mapped = mapped.toLowerCase();
    return mapped === source ? text : text.withText(mapped);
  }
  const builder = new AlignedTextBuilder(source.length);
  for (let unit = 0; unit < source.length; ) {
    const code = source.charCodeAt(unit);
    if (code < 0x80) {
      unit++;
      const start = text.sourceStart(unit - 1);
      const end = text.sourceEnd(unit - 1);
      if (options.clean && (code === 0 || isAsciiControl(code))) continue;
      let mapped = code;
      if (options.clean && (code === 0x09 || code === 0x0a || code === 0x0d)) mapped = 0x20;
      else if (options.lowercase && code >= 0x41 && code <= 0x5a) mapped = code + 0x20;
      builder.pushUnit(mapped, start, end);
      continue;
    }
    const codePoint = source.codePointAt(unit)!;
    const units = codePoint > 0xffff ? 2 : 1;
    const start = text.sourceStart(unit);
    const end = text.sourceEnd(unit + units - 1);
    unit += units;
    if (options.clean) {
      if (codePoint === 0xfffd || isControl(codePoint)) continue;
      if (isBertWhitespace(codePoint)) {
        builder.pushUnit(0x20, start, end);
        continue;
      }
    }
    const chinese = options.chinese === true && isChineseChar(codePoint);
    if (chinese) builder.pushUnit(0x20, start, end);
    builder.push(mapChar(codePoint, options), start, end);
    if (chinese) builder.pushUnit(0x20, start, end);
  }
  return builder.build();
}

/** ASCII only, and (when `clean`) free of the controls clean_text removes. */
function isPlainAscii(text: string, clean: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f || (clean && (code === 0 || isAsciiControl(code)))) return false;
  }
  return true;
}

/** ASCII controls that clean_text removes (\t, \n, \r count as whitespace). */
function isAsciiControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;
}

function mapChar(codePoint: number, options: CodePointOptions): string {
  let char = String.fromCodePoint(codePoint);
  // Nothing below U+00C0 decomposes or is a nonspacing mark.
  if (options.stripAccents && codePoint >= 0xc0) char = char.normalize('NFD').replace(NONSPACING_MARKS, '');
  // Per code point, like Rust's `char::to_lowercase` (no final-sigma context).
  if (options.lowercase) char = lowercaseEach(char);
  return char;
}

function lowercaseEach(text: string): string {
  let out = '';
  for (const c of text) out += c.toLowerCase();
  return out;
}

function isControl(codePoint: number): boolean {
  if (codePoint === 0x09 || codePoint === 0x0a || codePoint === 0x0d) return false;
  return OTHER.test(String.fromCodePoint(codePoint));
}

function isBertWhitespace(codePoint: number): boolean {
  return WHITE_SPACE.test(String.fromCodePoint(codePoint));
}

/** The CJK ranges of BERT's `_is_chinese_char`. */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}
