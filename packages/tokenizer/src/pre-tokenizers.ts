import type { AlignedText } from './aligned-text.js';
import { UnsupportedTokenizerError } from './errors.js';

/**
 * A pre-tokenizer stage: one normalized segment in, its words (slices, offsets kept) handed to
 * `visit` one by one (no word list is built, so a multi-megabyte document stays cheap); `visit`
 * returns false to stop.
 */
export type PreTokenizer = (segment: AlignedText, visit: WordVisitor) => void;
export type WordVisitor = (word: AlignedText) => boolean;

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
      return (segment, visit) => matches(segment, BERT_SPLIT, false, visit);
    default:
      throw new UnsupportedTokenizerError(`pre_tokenizer ${(config as { type: string }).type}`);
  }
}

function byteLevelPreTokenizer(addPrefixSpace: boolean, useRegex: boolean): PreTokenizer {
  return (segment, visit) => {
    const text = addPrefixSpace && !segment.text.startsWith(' ') ? segment.prepend(' ') : segment;
    if (useRegex) matches(text, BYTE_LEVEL_SPLIT, true, visit);
    else visit(text);
  };
}

/** Slices of `segment` matched by `pattern`; with `keepGaps`, unmatched stretches are words too. */
function matches(segment: AlignedText, pattern: RegExp, keepGaps: boolean, visit: WordVisitor): void {
  const text = segment.text;
  // A fresh RegExp per call: the stage may be re-entered for another text while a visit runs.
  const regex = new RegExp(pattern);
  let previousEnd = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (keepGaps && start > previousEnd && !visit(segment.slice(previousEnd, start))) return;
    if (end > start) {
      if (!visit(segment.slice(start, end))) return;
    } else {
      regex.lastIndex++;
    }
    previousEnd = end;
  }
  if (keepGaps && previousEnd < text.length) visit(segment.slice(previousEnd, text.length));
}
