import { BcmbError } from '@bcmb/core';

/** A tokenizer file or directory cannot be read or is not a tokenizer bcmb understands. */
export class TokenizerLoadError extends BcmbError {}

/** tokenizer.json uses a stage bcmb does not implement. */
export class UnsupportedTokenizerError extends BcmbError {
  constructor(what: string) {
    super(`Unsupported tokenizer component: ${what}`, {
      hint: 'bcmb supports the ModernBERT (byte-level BPE) and BERT (WordPiece) tokenizer families',
    });
  }
}

/**
 * The Rust library (and so transformers) refuses to truncate. The message starts with the Rust
 * error text, so code that matched on transformers' message keeps working.
 */
export class TruncationError extends BcmbError {}

/** Wrong arguments to encode/decode. */
export class TokenizerUsageError extends BcmbError {}
