import type { Model as LibraryModel } from '@huggingface/tokenizers';

/** What the model stage gives for one word: tokens and, per token, its [start, end) units in the word. */
export interface WordTokens {
  ids: number[];
  tokens: string[];
  /** Flat pairs: token k covers word units [spans[2k], spans[2k+1]). */
  spans: number[];
}

/** A model stage: one pre-tokenized word in, its tokens with offsets out. */
export type WordModel = (word: string) => WordTokens;

// Words seen again are served from a cache; it is cleared when it holds this many words, so a
// multi-megabyte document cannot grow it without bound.
const WORD_CACHE_LIMIT = 100_000;

function cached(tokenize: WordModel): WordModel {
  const cache = new Map<string, WordTokens>();
  return (word) => {
    let result = cache.get(word);
    if (result === undefined) {
      result = tokenize(word);
      if (cache.size >= WORD_CACHE_LIMIT) cache.clear();
      cache.set(word, result);
    }
    return result;
  };
}

interface LibraryModelInternals {
  tokens_to_ids: Map<string, number>;
  unk_token?: string;
  unk_token_id?: number;
  encode(tokens: string[]): string[];
}

function internals(model: LibraryModel): LibraryModelInternals {
  return model as unknown as LibraryModelInternals;
}

/**
 * Byte-level BPE (ModernBERT): the word's UTF-8 bytes are written as GPT-2's printable byte characters
 * (what the Rust ByteLevel pre-tokenizer does), merged by the library's BPE, and every token's byte
 * range is mapped back to whole UTF-16 code points (a token holding part of a character's bytes
 * covers the whole character, as in Rust).
 */
export function byteLevelBpe(model: LibraryModel): WordModel {
  const bpe = internals(model);
  return cached((word) => {
    const { encoded, byteStart, byteEnd } = toByteLevel(word);
    const tokens = bpe.encode([encoded]);
    const ids = new Array<number>(tokens.length);
    const spans = new Array<number>(tokens.length * 2);
    let byte = 0;
    for (let k = 0; k < tokens.length; k++) {
      const token = tokens[k]!;
      ids[k] = bpe.tokens_to_ids.get(token)!;
      spans[2 * k] = byteStart === null ? byte : byteStart[byte]!;
      byte += token.length;
      spans[2 * k + 1] = byteEnd === null ? byte : byteEnd[byte - 1]!;
    }
    return { ids, tokens, spans };
  });
}

const BYTE_CHARS = byteToUnicode();
const utf8 = new TextEncoder();

/** GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the others move to U+0100 up. */
function byteToUnicode(): string[] {
  const chars = new Array<string>(256);
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable =
      (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    chars[byte] = String.fromCharCode(printable ? byte : 256 + shifted++);
  }
  return chars;
}

const CHAR_BYTES = new Map(BYTE_CHARS.map((char, byte) => [char, byte] as const));
const lossyUtf8 = new TextDecoder('utf-8');

/**
 * The Rust ByteLevel decoder on token strings: each token's characters back to the bytes they stand for — a token
 * holding any character outside the byte alphabet (text that was never a vocabulary token, like an already decoded
 * word) is taken as its own UTF-8 bytes — then all bytes decoded as UTF-8 with U+FFFD for invalid sequences
 * (`String::from_utf8_lossy`). `@huggingface/tokenizers` writes 0 bytes for such characters instead.
 */
export function byteLevelDecode(tokens: readonly string[]): string {
  const bytes: number[] = [];
  for (const token of tokens) {
    const mapped: number[] = [];
    let inAlphabet = true;
    for (const char of token) {
      const byte = CHAR_BYTES.get(char);
      if (byte === undefined) {
        inAlphabet = false;
        break;
      }
      mapped.push(byte);
    }
    if (inAlphabet) bytes.push(...mapped);
    else bytes.push(...utf8.encode(token));
  }
  return lossyUtf8.decode(Uint8Array.from(bytes));
}

interface ByteLevelWord {
  encoded: string;
  /** Per byte, the first and one-past-last UTF-16 unit of its character; null when bytes = units (ASCII). */
  byteStart: Int32Array | null;
  byteEnd: Int32Array | null;
}

function toByteLevel(word: string): ByteLevelWord {
  let ascii = true;
  for (let i = 0; i < word.length; i++) {
    if (word.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    let encoded = '';
    for (let i = 0; i < word.length; i++) encoded += BYTE_CHARS[word.charCodeAt(i)];
    return { encoded, byteStart: null, byteEnd: null };
  }
  const bytes = utf8.encode(word);
  const byteStart = new Int32Array(bytes.length);
  const byteEnd = new Int32Array(bytes.length);
  let byte = 0;
  for (let unit = 0; unit < word.length; ) {
    const codePoint = word.codePointAt(unit)!;
    const units = codePoint > 0xffff ? 2 : 1;
    const size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    for (let b = 0; b < size; b++, byte++) {
      byteStart[byte] = unit;
      byteEnd[byte] = unit + units;
    }
    unit += units;
  }
  let encoded = '';
  for (const b of bytes) encoded += BYTE_CHARS[b];
  return { encoded, byteStart, byteEnd };
}

/**
 * WordPiece (BERT) through the library's greedy longest-match model. A word that cannot be covered
 * (or is longer than max_input_chars_per_word) is one [UNK] spanning the whole word.
 */
export function wordPiece(model: LibraryModel, continuingSubwordPrefix: string): WordModel {
  const wp = internals(model);
  return cached((word) => {
    const tokens = wp.encode([word]);
    const ids = tokens.map((token) => wp.tokens_to_ids.get(token) ?? wp.unk_token_id!);
    if (tokens.length === 1 && ids[0] === wp.unk_token_id) return { ids, tokens, spans: [0, word.length] };
    const spans = new Array<number>(tokens.length * 2);
    let unit = 0;
    for (let k = 0; k < tokens.length; k++) {
      spans[2 * k] = unit;
      unit += tokens[k]!.length - (k > 0 ? continuingSubwordPrefix.length : 0);
      spans[2 * k + 1] = unit;
    }
    return { ids, tokens, spans };
  });
}
