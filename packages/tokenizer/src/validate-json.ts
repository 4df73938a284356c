import { TokenizerLoadError } from './errors.js';
import type { TokenizerConfig } from './tokenizer-json.js';

/**
 * Checks the shape of the tokenizer.json parts bcmb reads, before any of it is used, so that a damaged or hostile
 * file ends in a `TokenizerLoadError` naming the field instead of a `TypeError` deep inside the template code or
 * the tokenizers library. Only structure is checked here; unsupported but well-formed stages are refused later by
 * the stage builders with `UnsupportedTokenizerError`.
 */
export function validateTokenizerJson(json: unknown, file: string | undefined): void {
  const fail = (what: string): never => {
    throw new TokenizerLoadError(`tokenizer.json ${what}`, {
      file,
      hint: 'The file is damaged or was not written by the tokenizers library; download it again',
    });
  };
  if (!isObject(json)) fail('does not hold a JSON object');
  const root = json as Record<string, unknown>;

  const model = root['model'];
  if (!isObject(model)) fail('has no "model" object');
  const { type, vocab } = model as Record<string, unknown>;
  if (typeof type !== 'string') fail('"model.type" is not a string');
  if (!isObject(vocab)) fail('"model.vocab" is not an object of token ids');
  for (const [token, id] of Object.entries(vocab as Record<string, unknown>)) {
    if (!isTokenId(id)) fail(`"model.vocab" gives ${describe(token)} the id ${describe(id)}, not a token id`);
  }
  if (type === 'BPE') {
    const merges = (model as Record<string, unknown>)['merges'];
    if (!Array.isArray(merges)) fail('"model.merges" is not a list');
    (merges as unknown[]).forEach((merge, i) => {
      const ok =
        typeof merge === 'string'
          ? merge.includes(' ')
          : Array.isArray(merge) && merge.length === 2 && merge.every((part) => typeof part === 'string');
      if (!ok) fail(`"model.merges"[${i}] is not "a b" or ["a", "b"]`);
    });
  }
  optionalString(model as Record<string, unknown>, 'unk_token', 'model.unk_token', fail);
  optionalString(
    model as Record<string, unknown>,
    'continuing_subword_prefix',
    'model.continuing_subword_prefix',
    fail,
  );

  const added = root['added_tokens'];
  if (added !== undefined && added !== null) {
    if (!Array.isArray(added)) fail('"added_tokens" is not a list');
    (added as unknown[]).forEach((token, i) => {
      if (!isObject(token)) fail(`"added_tokens"[${i}] is not an object`);
      const { id, content } = token as Record<string, unknown>;
      if (!isTokenId(id)) fail(`"added_tokens"[${i}].id is not a token id`);
      if (typeof content !== 'string') fail(`"added_tokens"[${i}].content is not a string`);
      for (const flag of ['single_word', 'lstrip', 'rstrip', 'normalized', 'special']) {
        const value = (token as Record<string, unknown>)[flag];
        if (value !== undefined && typeof value !== 'boolean')
          fail(`"added_tokens"[${i}].${flag} is not a boolean`);
      }
    });
  }

  for (const stage of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) {
    const value = root[stage];
    if (value === undefined || value === null) continue;
    if (!isObject(value) || typeof (value as Record<string, unknown>)['type'] !== 'string') {
      fail(`"${stage}" is not null or an object with a "type"`);
    }
  }
  const normalizer = root['normalizer'];
  if (isObject(normalizer)) validateNormalizer(normalizer as Record<string, unknown>, 'normalizer', fail, 0);
  const pre = root['pre_tokenizer'];
  if (isObject(pre)) {
    for (const flag of ['add_prefix_space', 'trim_offsets', 'use_regex']) {
      const value = (pre as Record<string, unknown>)[flag];
      if (value !== undefined && typeof value !== 'boolean') fail(`"pre_tokenizer.${flag}" is not a boolean`);
    }
  }
  const post = root['post_processor'];
  if (isObject(post)) validatePostProcessor(post as Record<string, unknown>, fail);
}

function validateNormalizer(
  config: Record<string, unknown>,
  path: string,
  fail: (what: string) => never,
  depth: number,
): void {
  if (typeof config['type'] !== 'string') fail(`"${path}" has no "type"`);
  if (depth > 16) fail(`"${path}" nests normalizers more than 16 levels deep`);
  for (const flag of ['clean_text', 'handle_chinese_chars', 'lowercase']) {
    const value = config[flag];
    if (value !== undefined && value !== null && typeof value !== 'boolean')
      fail(`"${path}.${flag}" is not a boolean`);
  }
  const strip = config['strip_accents'];
  if (strip !== undefined && strip !== null && typeof strip !== 'boolean')
    fail(`"${path}.strip_accents" is not a boolean`);
  if (config['type'] === 'Sequence') {
    const list = config['normalizers'];
    if (!Array.isArray(list)) fail(`"${path}.normalizers" is not a list`);
    (list as unknown[]).forEach((item, i) => {
      if (!isObject(item)) fail(`"${path}.normalizers"[${i}] is not an object`);
      validateNormalizer(item as Record<string, unknown>, `${path}.normalizers[${i}]`, fail, depth + 1);
    });
  }
}

function validatePostProcessor(config: Record<string, unknown>, fail: (what: string) => never): void {
  if (config['type'] === 'BertProcessing') {
    for (const key of ['sep', 'cls']) {
      const pair = config[key];
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !isTokenId(pair[1])) {
        fail(`"post_processor.${key}" is not a [token, id] pair`);
      }
    }
    return;
  }
  if (config['type'] !== 'TemplateProcessing') return;
  const specials = config['special_tokens'];
  if (!isObject(specials)) fail('"post_processor.special_tokens" is not an object');
  for (const [name, special] of Object.entries(specials as Record<string, unknown>)) {
    const where = `"post_processor.special_tokens"[${describe(name)}]`;
    if (!isObject(special)) fail(`${where} is not an object`);
    const { ids, tokens } = special as Record<string, unknown>;
    if (!Array.isArray(ids) || !ids.every(isTokenId)) fail(`${where}.ids is not a list of token ids`);
    if (!Array.isArray(tokens) || !tokens.every((token) => typeof token === 'string')) {
      fail(`${where}.tokens is not a list of strings`);
    }
    if ((ids as unknown[]).length !== (tokens as unknown[]).length)
      fail(`${where} has ids and tokens of different lengths`);
  }
  for (const key of ['single', 'pair']) {
    const items = config[key];
    if (!Array.isArray(items)) fail(`"post_processor.${key}" is not a list of template pieces`);
    (items as unknown[]).forEach((item, i) => {
      const where = `"post_processor.${key}"[${i}]`;
      if (!isObject(item)) fail(`${where} is not an object`);
      const { SpecialToken, Sequence } = item as Record<string, unknown>;
      if (isObject(Sequence)) {
        const { id, type_id } = Sequence as Record<string, unknown>;
        if (id !== 'A' && id !== 'B') fail(`${where}.Sequence.id is not "A" or "B"`);
        if (!isTokenId(type_id)) fail(`${where}.Sequence.type_id is not a non-negative integer`);
      } else if (isObject(SpecialToken)) {
        const { id, type_id } = SpecialToken as Record<string, unknown>;
        if (typeof id !== 'string' || !Object.hasOwn(specials as object, id)) {
          fail(`${where}.SpecialToken.id ${describe(id)} is not one of "special_tokens"`);
        }
        if (!isTokenId(type_id)) fail(`${where}.SpecialToken.type_id is not a non-negative integer`);
      } else {
        fail(`${where} is neither a Sequence nor a SpecialToken`);
      }
    });
  }
}

/** Checks the tokenizer_config.json / special_tokens_map.json fields bcmb reads. */
export function validateTokenizerConfig(
  config: unknown,
  file: string | undefined,
): asserts config is TokenizerConfig {
  const fail = (what: string): never => {
    throw new TokenizerLoadError(what, { file, hint: 'Fix the file or download it again' });
  };
  if (!isObject(config)) fail('the tokenizer config does not hold a JSON object');
  const record = config as Record<string, unknown>;
  const maxLength = record['model_max_length'];
  if (maxLength !== undefined && maxLength !== null && (typeof maxLength !== 'number' || !(maxLength > 0))) {
    fail(`"model_max_length" is ${describe(maxLength)}, not a positive number`);
  }
  for (const flag of [
    'do_lower_case',
    'tokenize_chinese_chars',
    'add_prefix_space',
    'clean_up_tokenization_spaces',
  ]) {
    const value = record[flag];
    if (value !== undefined && value !== null && typeof value !== 'boolean')
      fail(`"${flag}" is not a boolean`);
  }
  const strip = record['strip_accents'];
  if (strip !== undefined && strip !== null && typeof strip !== 'boolean')
    fail('"strip_accents" is not a boolean');
  for (const key of ['unk', 'cls', 'sep', 'pad', 'mask', 'bos', 'eos']) {
    const value = record[`${key}_token`];
    if (value === undefined || value === null || typeof value === 'string') continue;
    if (!isObject(value) || typeof (value as Record<string, unknown>)['content'] !== 'string') {
      fail(`"${key}_token" is neither a string nor an object with a "content" string`);
    }
  }
}

function optionalString(
  record: Record<string, unknown>,
  key: string,
  label: string,
  fail: (what: string) => never,
): void {
  const value = record[key];
  if (value !== undefined && value !== null && typeof value !== 'string') fail(`"${label}" is not a string`);
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTokenId(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A short description of a JSON value that never walks nested values. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
