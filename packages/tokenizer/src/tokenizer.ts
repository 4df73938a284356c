import { Tokenizer as LibraryTokenizer } from '@huggingface/tokenizers';
import {
  type EncodeOptions,
  type PostProcessContext,
  postProcessBatch,
  type ResolvedOptions,
  resolveOptions,
  tokenizationLimit,
} from './encode.js';
import { TokenizerUsageError, UnsupportedTokenizerError } from './errors.js';
import { VERY_LARGE_INTEGER } from './max-length.js';
import { byteLevelBpe, byteLevelDecode, type WordModel, wordPiece } from './models.js';
import { createNormalizer } from './normalizers.js';
import { emptySequence, TokenPipeline, type TokenSequence } from './pipeline.js';
import { createTemplate, type Encoding } from './post-process.js';
import { createPreTokenizer } from './pre-tokenizers.js';
import { tokenizeWords } from './pretokenized.js';
import type { SpecialTokenValue, TokenizerConfig, TokenizerJson } from './tokenizer-json.js';

export interface DecodeOptions {
  /** Drop special tokens ([CLS], [SEP], [PAD], …). Default false, as transformers. */
  skipSpecialTokens?: boolean;
  /** transformers' `clean_up_tokenization_spaces`; default from tokenizer_config.json. */
  cleanUpTokenizationSpaces?: boolean;
}

/** A special token of the tokenizer and its id. */
export interface SpecialToken {
  content: string;
  id: number;
}

export interface SpecialTokens {
  unk?: SpecialToken;
  cls?: SpecialToken;
  sep?: SpecialToken;
  pad?: SpecialToken;
  mask?: SpecialToken;
  bos?: SpecialToken;
  eos?: SpecialToken;
}

const SPECIAL_TOKEN_KEYS = ['unk', 'cls', 'sep', 'pad', 'mask', 'bos', 'eos'] as const;

/**
 * A tokenizer that gives what transformers' `AutoTokenizer` gives (ids, masks, type ids, word ids,
 * offsets in UTF-16 units). Build it with `loadTokenizer(dir)` or `Tokenizer.fromJson(json, config)`.
 */
export class Tokenizer {
  /** tokenizer_config.json `model_max_length` (transformers' VERY_LARGE_INTEGER, 1e30, when absent). */
  readonly modelMaxLength: number;
  readonly specialTokens: Readonly<SpecialTokens>;
  /**
   * The model's `continuing_subword_prefix` (`##` for WordPiece; `null` for ModernBERT's byte-level BPE): transformers'
   * token-classification pipeline treats a tokenizer with one as word-aware.
   */
  readonly continuingSubwordPrefix: string | null;
  private readonly library: LibraryTokenizer;
  private readonly byteLevelDecoder: boolean;
  private readonly pipeline: TokenPipeline;
  private readonly context: PostProcessContext;
  private cachedVocabSize: number | undefined;

  constructor(json: TokenizerJson, config: TokenizerConfig = {}) {
    this.library = new LibraryTokenizer(json, { ...config });
    const model = this.library.model;
    if (model === null) throw new UnsupportedTokenizerError('tokenizer.json without a model');
    let wordModel: WordModel;
    if (json.model.type === 'BPE') {
      if (json.pre_tokenizer?.type !== 'ByteLevel')
        throw new UnsupportedTokenizerError('BPE without ByteLevel');
      wordModel = byteLevelBpe(model);
    } else if (json.model.type === 'WordPiece') {
      wordModel = wordPiece(model, json.model.continuing_subword_prefix ?? '##');
    } else {
      throw new UnsupportedTokenizerError(`model ${(json.model as { type: string }).type}`);
    }
    this.pipeline = new TokenPipeline(
      json.added_tokens,
      createNormalizer(json.normalizer),
      createPreTokenizer(json.pre_tokenizer),
      wordModel,
    );
    this.byteLevelDecoder = json.decoder?.type === 'ByteLevel';
    this.continuingSubwordPrefix =
      json.model.type === 'WordPiece'
        ? (json.model.continuing_subword_prefix ?? '##')
        : ((json.model as { continuing_subword_prefix?: string | null }).continuing_subword_prefix ?? null);
    this.modelMaxLength = config.model_max_length ?? VERY_LARGE_INTEGER;
    this.specialTokens = this.resolveSpecialTokens(config);
    const pad = this.specialTokens.pad;
    this.context = {
      template: createTemplate(json.post_processor),
      padToken: pad === undefined ? null : { id: pad.id, token: pad.content, typeId: 0 },
      modelMaxLength: this.modelMaxLength,
    };
  }

  get padTokenId(): number | undefined {
    return this.specialTokens.pad?.id;
  }
  get clsTokenId(): number | undefined {
    return this.specialTokens.cls?.id;
  }
  get sepTokenId(): number | undefined {
    return this.specialTokens.sep?.id;
  }
  get maskTokenId(): number | undefined {
    return this.specialTokens.mask?.id;
  }
  get unkTokenId(): number | undefined {
    return this.specialTokens.unk?.id;
  }

  /** Number of ids, added tokens included (transformers' `len(tokenizer)`). */
  get vocabSize(): number {
    this.cachedVocabSize ??= this.library.get_vocab(true).size;
    return this.cachedVocabSize;
  }

  tokenToId(token: string): number | undefined {
    return this.library.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.library.id_to_token(id);
  }

  /** One text, or a pair with `textPair` (`tokenizer(text, text_pair=…)`). */
  encode(text: string, options: EncodeOptions & { textPair?: string } = {}): Encoding {
    const resolved = resolveOptions(options, this.context);
    const pair = options.textPair === undefined ? null : this.sequence(options.textPair, resolved, 1);
    return postProcessBatch([[this.sequence(text, resolved, 0), pair]], resolved, this.context)[0]!;
  }

  /** A batch; padding 'longest' pads to the longest encoding of the batch. */
  encodeBatch(
    texts: readonly string[],
    options: EncodeOptions & { textPairs?: readonly string[] } = {},
  ): Encoding[] {
    const pairs = options.textPairs;
    if (pairs !== undefined && pairs.length !== texts.length) {
      throw new TokenizerUsageError(`encodeBatch got ${texts.length} texts but ${pairs.length} textPairs`);
    }
    const resolved = resolveOptions(options, this.context);
    const inputs = texts.map((text, i): [TokenSequence, TokenSequence | null] => [
      this.sequence(text, resolved, 0),
      pairs === undefined ? null : this.sequence(pairs[i]!, resolved, 1),
    ]);
    return postProcessBatch(inputs, resolved, this.context);
  }

  /** Pre-split words (`is_split_into_words=True`): word ids are word indices, offsets relative to each word. */
  encodeWords(words: readonly string[], options: EncodeOptions = {}): Encoding {
    return this.encodeWordsBatch([words], options)[0]!;
  }

  encodeWordsBatch(batch: ReadonlyArray<readonly string[]>, options: EncodeOptions = {}): Encoding[] {
    const resolved = resolveOptions(options, this.context);
    const limit = tokenizationLimit(resolved, 0);
    const inputs = batch.map((words): [TokenSequence, null] => [
      tokenizeWords(this.pipeline, words, limit),
      null,
    ]);
    return postProcessBatch(inputs, resolved, this.context);
  }

  /** Ids back to text, as transformers' `tokenizer.decode`. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    return this.library.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? null,
    });
  }

  /**
   * Token strings back to text through the tokenizer.json decoder (transformers' `convert_tokens_to_string` on a
   * fast tokenizer): `['met', '##formin']` → `'metformin'`, `['ĠCT', 'Ġscan']` → `' CT scan'`. Tokens joined by
   * spaces when there is no decoder, as Rust does.
   */
  convertTokensToString(tokens: readonly string[]): string {
    if (this.byteLevelDecoder) return byteLevelDecode(tokens);
    const decoder = this.library.decoder;
    return decoder === null ? tokens.join(' ') : decoder.decode([...tokens]);
  }

  private sequence(text: string, options: ResolvedOptions, index: 0 | 1): TokenSequence {
    return this.pipeline.tokenize(text, emptySequence(), undefined, tokenizationLimit(options, index));
  }

  private resolveSpecialTokens(config: TokenizerConfig): SpecialTokens {
    const tokens: SpecialTokens = {};
    for (const key of SPECIAL_TOKEN_KEYS) {
      const value = config[`${key}_token`] as SpecialTokenValue | null | undefined;
      if (value === undefined || value === null) continue;
      const content = typeof value === 'string' ? value : value.content;
      const id = this.library.token_to_id(content);
      if (id !== undefined) tokens[key] = { content, id };
    }
    return tokens;
  }
}
