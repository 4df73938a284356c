// Everything of @bcmb/tokenizer that needs no file system: the `browser` export condition and `@bcmb/tokenizer/browser`.
export type { AddedTokenConfig } from './added-tokens.js';
export type { EncodeOptions } from './encode.js';
export {
  TokenizerLoadError,
  TokenizerUsageError,
  TruncationError,
  UnsupportedTokenizerError,
} from './errors.js';
export {
  type TokenizerFileReader,
  type TokenizerOptions,
  tokenizerFromFiles,
  tokenizerFromJson,
  tokenizerFromVocab,
} from './from-files.js';
export {
  RESEARCH_FALLBACK_MAX_LENGTH,
  RESEARCH_MAX_LENGTH_THRESHOLD,
  researchMaxLength,
  VERY_LARGE_INTEGER,
} from './max-length.js';
export { toCodePointOffsets, toUtf16Offsets } from './offsets.js';
export type { Encoding, Side, TruncationStrategy } from './post-process.js';
export { type DecodeOptions, type SpecialToken, type SpecialTokens, Tokenizer } from './tokenizer.js';
export type { TokenizerConfig, TokenizerJson } from './tokenizer-json.js';
export { parseVocab, type WordPieceVocabOptions, wordPieceTokenizerJson } from './wordpiece-from-vocab.js';
