import { isBcmbError, parseJsonText } from '@bcmb/core';
import { TokenizerLoadError } from './errors.js';
import { Tokenizer } from './tokenizer.js';
import type { TokenizerConfig, TokenizerJson } from './tokenizer-json.js';
import { validateTokenizerConfig, validateTokenizerJson } from './validate-json.js';
import { countCasedEntries, parseVocab, wordPieceTokenizerJson } from './wordpiece-from-vocab.js';

export interface TokenizerOptions {
  /**
   * transformers' `add_prefix_space` kwarg: for a ByteLevel pre-tokenizer (ModernBERT) it is rebuilt
   * with this value (transformers PR #35593); tokenizers without the field (BERT) ignore it.
   * Default: tokenizer_config.json's `add_prefix_space`, else the tokenizer.json value.
   */
  addPrefixSpace?: boolean;
  /**
   * BERT's `do_lower_case`. For a bare vocab.txt the default is true (BertTokenizer's default), even
   * for a cased vocabulary — what AutoTokenizer does for Bio_ClinicalBERT.
   */
  lowercase?: boolean;
  /** BERT's `strip_accents`; default null = follow `lowercase`. */
  stripAccents?: boolean | null;
  /** Overrides tokenizer_config.json `model_max_length`. */
  modelMaxLength?: number;
  /** Where the one-time notices go (a cased vocab being lower-cased). Default `console.warn`. */
  warn?: (message: string) => void;
}

/**
 * Builds a tokenizer from a parsed tokenizer.json and tokenizer_config.json (merged with
 * special_tokens_map.json), applying the kwargs the way transformers' from_pretrained does.
 * Works anywhere (no file system).
 */
export function tokenizerFromJson(
  json: TokenizerJson,
  config: TokenizerConfig = {},
  options: TokenizerOptions & { source?: string } = {},
): Tokenizer {
  validateTokenizerJson(json, options.source);
  validateTokenizerConfig(config, options.source);
  // Shallow copies of the two stages the kwargs may change; the vocabulary is shared, not cloned.
  const resolved: TokenizerJson = {
    ...json,
    pre_tokenizer: json.pre_tokenizer && { ...json.pre_tokenizer },
    normalizer: json.normalizer && { ...json.normalizer },
  };
  const addPrefixSpace = options.addPrefixSpace ?? config.add_prefix_space;
  const preTokenizer = resolved.pre_tokenizer as Record<string, unknown> | null;
  // transformers only rewrites a pre-tokenizer whose state has an add_prefix_space field.
  if (addPrefixSpace !== undefined && preTokenizer !== null && 'add_prefix_space' in preTokenizer) {
    preTokenizer.add_prefix_space = addPrefixSpace;
  }
  const normalizer = resolved.normalizer;
  if (normalizer?.type === 'BertNormalizer') {
    // BertTokenizerFast rebuilds its normalizer when do_lower_case / strip_accents disagree with it.
    const lowercase = options.lowercase ?? config.do_lower_case;
    if (lowercase !== undefined) normalizer.lowercase = lowercase;
    const stripAccents = options.stripAccents !== undefined ? options.stripAccents : config.strip_accents;
    if (stripAccents !== undefined) normalizer.strip_accents = stripAccents;
  }
  const merged: TokenizerConfig =
    options.modelMaxLength === undefined ? config : { ...config, model_max_length: options.modelMaxLength };
  try {
    return new Tokenizer(resolved, merged);
  } catch (error) {
    // The tokenizers library (and a few stage builders) throw plain errors for what validation cannot foresee.
    if (isBcmbError(error)) throw error;
    throw new TokenizerLoadError(`tokenizer cannot be built: ${(error as Error).message ?? String(error)}`, {
      file: options.source,
      hint: 'The tokenizer files are damaged or use a stage bcmb does not support; download them again',
      cause: error,
    });
  }
}

/**
 * Builds a tokenizer from a WordPiece vocab.txt the way AutoTokenizer does when a model ships only
 * that file (Bio_ClinicalBERT): `do_lower_case` defaults to true. Says so once, through `warn`,
 * when the vocabulary is cased and nothing chose the casing.
 */
export function tokenizerFromVocab(
  vocabText: string,
  config: TokenizerConfig = {},
  options: TokenizerOptions & { source?: string } = {},
): Tokenizer {
  const vocab = parseVocab(vocabText);
  const explicit = options.lowercase ?? config.do_lower_case;
  if (explicit === undefined) warnCasedDefault(vocab, options.source ?? 'vocab.txt', options.warn);
  const json = wordPieceTokenizerJson(vocab, {
    lowercase: explicit ?? true,
    stripAccents: options.stripAccents !== undefined ? options.stripAccents : (config.strip_accents ?? null),
    tokenizeChineseChars: config.tokenize_chinese_chars ?? true,
    ...specialTokenNames(config),
  });
  const withDefaults: TokenizerConfig = {
    // BertTokenizer(Fast) defaults, used when no tokenizer_config.json says otherwise.
    unk_token: '[UNK]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    mask_token: '[MASK]',
    clean_up_tokenization_spaces: true,
    ...config,
  };
  return tokenizerFromJson(json, withDefaults, { ...options, lowercase: undefined, stripAccents: undefined });
}

const warnedSources = new Set<string>();

function warnCasedDefault(
  vocab: ReadonlyMap<string, number>,
  source: string,
  warn: ((message: string) => void) | undefined,
): void {
  const cased = countCasedEntries(vocab);
  if (cased === 0 || warnedSources.has(source)) return;
  warnedSources.add(source);
  (warn ?? console.warn)(
    `@bcmb/tokenizer: ${source} is a cased vocabulary (${cased} entries with capitals) but no tokenizer_config.json sets do_lower_case, ` +
      'so its text is lower-cased and accents are stripped, exactly as transformers AutoTokenizer does (e.g. Bio_ClinicalBERT). ' +
      'Pass { lowercase: false } to keep the case.',
  );
}

function specialTokenNames(config: TokenizerConfig) {
  const name = (value: TokenizerConfig['unk_token']) =>
    value === undefined ? undefined : typeof value === 'string' ? value : value.content;
  return {
    unkToken: name(config.unk_token),
    sepToken: name(config.sep_token),
    padToken: name(config.pad_token),
    clsToken: name(config.cls_token),
    maskToken: name(config.mask_token),
  };
}

/**
 * Reads one tokenizer file of a model by name (`tokenizer.json`, `vocab.txt`, …): its text, or `undefined`
 * when the model has no such file. A folder on disk, a URL prefix or files a user picked all fit this shape.
 */
export type TokenizerFileReader = (name: string) => Promise<string | undefined>;

/**
 * Builds a tokenizer like `AutoTokenizer.from_pretrained(dir, **kwargs)` from a model's files, whatever holds
 * them: tokenizer.json (+ tokenizer_config.json, special_tokens_map.json), or a bare vocab.txt. `where(name)`
 * names a file in errors. Works anywhere (no file system).
 */
export async function tokenizerFromFiles(
  read: TokenizerFileReader,
  options: TokenizerOptions & { where?: (name: string) => string } = {},
): Promise<Tokenizer> {
  const where = options.where ?? ((name: string) => name);
  const readJson = async (name: string): Promise<unknown> => {
    const text = await read(name);
    if (text === undefined) return undefined;
    return parseJsonText(text, (what, location) => new TokenizerLoadError(`File is ${what}`, location), {
      file: where(name),
      hint: 'Re-download the file from the model repository',
    });
  };
  const configs: Record<string, unknown>[] = [];
  for (const name of ['special_tokens_map.json', 'tokenizer_config.json']) {
    const value = await readJson(name);
    if (value === undefined) continue;
    validateTokenizerConfig(value, where(name));
    configs.push(value);
  }
  const config = Object.assign({}, ...configs) as TokenizerConfig;
  const json = await readJson('tokenizer.json');
  if (json !== undefined)
    return tokenizerFromJson(json as TokenizerJson, config, { ...options, source: where('tokenizer.json') });
  const vocabText = await read('vocab.txt');
  if (vocabText !== undefined)
    return tokenizerFromVocab(vocabText, config, { ...options, source: where('vocab.txt') });
  throw new TokenizerLoadError('No tokenizer.json or vocab.txt in the model files', {
    file: where(''),
    hint: 'Point at a Hugging Face model (ModernBERT ships tokenizer.json, Bio_ClinicalBERT vocab.txt)',
  });
}
