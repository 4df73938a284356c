import type { AddedTokenConfig } from './added-tokens.js';
import type { NormalizerConfig } from './normalizers.js';
import type { PostProcessorConfig } from './post-process.js';
import type { PreTokenizerConfig } from './pre-tokenizers.js';

/** The parts of a Hugging Face tokenizer.json that bcmb reads. */
export interface TokenizerJson {
  version?: string;
  truncation?: unknown;
  padding?: unknown;
  added_tokens: AddedTokenConfig[];
  normalizer: NormalizerConfig | null;
  pre_tokenizer: PreTokenizerConfig | null;
  post_processor: PostProcessorConfig | null;
  decoder: Record<string, unknown> | null;
  model: TokenizerModelJson;
}

export type TokenizerModelJson =
  | {
      type: 'BPE';
      vocab: Record<string, number>;
      merges: string[] | Array<[string, string]>;
      unk_token?: string | null;
      [key: string]: unknown;
    }
  | {
      type: 'WordPiece';
      vocab: Record<string, number>;
      unk_token: string;
      continuing_subword_prefix: string;
      max_input_chars_per_word: number;
    };

/** A special token in tokenizer_config.json / special_tokens_map.json: a string or an AddedToken object. */
export type SpecialTokenValue = string | { content: string };

/** The parts of tokenizer_config.json (merged with special_tokens_map.json) that bcmb reads. */
export interface TokenizerConfig {
  model_max_length?: number;
  do_lower_case?: boolean;
  strip_accents?: boolean | null;
  tokenize_chinese_chars?: boolean;
  add_prefix_space?: boolean;
  clean_up_tokenization_spaces?: boolean;
  unk_token?: SpecialTokenValue;
  cls_token?: SpecialTokenValue;
  sep_token?: SpecialTokenValue;
  pad_token?: SpecialTokenValue;
  mask_token?: SpecialTokenValue;
  bos_token?: SpecialTokenValue;
  eos_token?: SpecialTokenValue;
  [key: string]: unknown;
}
