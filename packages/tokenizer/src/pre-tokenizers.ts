import type { AlignedText } from './aligned-text.js';
import { UnsupportedTokenizerError } from './errors.js';

/** A pre-tokenizer stage: one normalized segment in, its words (slices, offsets kept) out. */
export type PreTokenizer = (segment: AlignedText) => AlignedText[];

/** The `pre_tokenizer` field of a tokenizer.json (the kinds bcmb supports). */
export type PreTokenizerConfig =
  | { type: 'ByteLevel'; add_prefix_space?: boolean; trim_offsets?: boolean; use_regex?: boolean }
  | { type: 'BertPreTokenizer' };

// GPT-2's split pattern as the Rust ByteLevel pre-tokenizer runs it through Oniguruma, where `\s`
// is Unicode White_Space (JavaScript's `\s` differs on U+0085 and U+FEFF).
const BYTE_LEVEL_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

// BertPreTokenizer: whitespace removed, each punctuation char (Unicode P or ASCII punctuation) isolated.
const BERT_PUNCTUATION = '\\p{P}!-\\/:-@\\[-`{-~';
const BERT_SPLIT = new RegExp(`[^\\p{White_Space}${BERT_PUNCTUATION}]+|[${BERT_PUNCTUATION}]`, 'gu');

export function createPreTokenizer(config: PreTokenizerConfig | null | undefined): PreTokenizer | null {
  if (config === null || config === undefined) return null;
  switch (config.type) {
    case 'ByteLevel':
      return byteLevelPreTokenizer(config.add_prefix_space ?? true, config.use_regex ?? true);
    case 'BertPreTokenizer':
      return (segment) => matches(segment, BERT_SPLIT, false);
    default:
      throw new UnsupportedTokenizerError(`pre_tokenizer ${(config as { type: string }).type}`);
  }
}

function byteLevelPreTokenizer(addPrefixSpace: boolean, useRegex: boolean): PreTokenizer {
  return (segment) => {
    const text = addPrefixSpace && !segment.text.startsWith(' ') ? segment.prepend(' ') : segment;
    return useRegex ? matches(text, BYTE_LEVEL_SPLIT, true) : [text];
  };
}

/** Slices of `segment` matched by `pattern`; with `keepGaps`, unmatched stretches are words too. */
function matches(segment: AlignedText, pattern: RegExp, keepGaps: boolean): AlignedText[] {
  const words: AlignedText[] = [];
  const text = segment.text;
  let previousEnd = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (keepGaps && start > previousEnd) words.push(segment.slice(previousEnd, start));
    if (end > start) words.push(segment.slice(start, end));
    else pattern.lastIndex++;
    previousEnd = end;
  }
  if (keepGaps && previousEnd < text.length) words.push(segment.slice(previousEnd, text.length));
  return words;
}
