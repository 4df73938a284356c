import type { AddedTokenConfig } from './added-tokens.js';
import type { TokenizerJson } from './tokenizer-json.js';

/** Options of BERT's slow tokenizer that transformers' `BertConverter` carries into tokenizer.json. */
export interface WordPieceVocabOptions {
  /** BertTokenizer's `do_lower_case`; its default is true, whatever the vocabulary's case. */
  lowercase?: boolean;
  /** null (default) follows `lowercase`, as the Rust BertNormalizer does. */
  stripAccents?: boolean | null;
  tokenizeChineseChars?: boolean;
  unkToken?: string;
  sepToken?: string;
  padToken?: string;
  clsToken?: string;
  maskToken?: string;
}

// BertTokenizer's defaults (transformers models/bert/tokenization_bert.py).
const DEFAULT_LOWERCASE = true;
const WORDPIECE_PREFIX = '##';
// The Rust WordPiece default that BertConverter keeps: longer words become one [UNK].
const MAX_INPUT_CHARS_PER_WORD = 100;

/**
 * Reads vocab.txt like transformers' `load_vocab`: one token per line, id = line number; a token
 * listed twice keeps its first position and its last id (Python dict semantics, as a JS Map).
 */
export function parseVocab(text: string): Map<string, number> {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((token, index) => {
    vocab.set(token, index);
  });
  return vocab;
}

/** Tokens that are ordinary vocabulary entries (not [PAD]-style markers) with an upper-case letter. */
export function countCasedEntries(vocab: ReadonlyMap<string, number>): number {
  let count = 0;
  for (const token of vocab.keys()) {
    if (/\p{Lu}/u.test(token) && !/^\[.*\]$/.test(token)) count++;
  }
  return count;
}

/**
 * Builds the tokenizer.json that transformers' `BertConverter` (convert_slow_tokenizer.py) builds
 * for `BertTokenizerFast` from a bare vocab.txt: BertNormalizer (clean_text, handle_chinese_chars,
 * strip_accents, lowercase), BertPreTokenizer, WordPiece "##" with max_input_chars_per_word 100,
 * `[CLS] $A [SEP]` / `[CLS] $A [SEP] $B:1 [SEP]:1`, and the five special tokens as added tokens.
 */
export function wordPieceTokenizerJson(
  vocab: ReadonlyMap<string, number>,
  options: WordPieceVocabOptions = {},
): TokenizerJson {
  const unk = options.unkToken ?? '[UNK]';
  const sep = options.sepToken ?? '[SEP]';
  const pad = options.padToken ?? '[PAD]';
  const cls = options.clsToken ?? '[CLS]';
  const mask = options.maskToken ?? '[MASK]';
  const vocabObject: Record<string, number> = Object.fromEntries(vocab);
  let nextId = 0;
  for (const id of vocab.values()) nextId = Math.max(nextId, id + 1);
  // A special token missing from the vocabulary is appended, as transformers' add_tokens does.
  const idOf = (token: string) => vocabObject[token] ?? nextId++;
  const specials = [pad, unk, cls, sep, mask].map((content) => ({ content, id: idOf(content) }));
  const addedTokens: AddedTokenConfig[] = specials
    .sort((a, b) => a.id - b.id)
    .map(({ id, content }) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
  const clsId = addedTokens.find((t) => t.content === cls)!.id;
  const sepId = addedTokens.find((t) => t.content === sep)!.id;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: options.tokenizeChineseChars ?? true,
      strip_accents: options.stripAccents ?? null,
      lowercase: options.lowercase ?? DEFAULT_LOWERCASE,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: {
        [cls]: { id: cls, ids: [clsId], tokens: [cls] },
        [sep]: { id: sep, ids: [sepId], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: WORDPIECE_PREFIX, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: unk,
      continuing_subword_prefix: WORDPIECE_PREFIX,
      max_input_chars_per_word: MAX_INPUT_CHARS_PER_WORD,
      vocab: vocabObject,
    },
  };
}
