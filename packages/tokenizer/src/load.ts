import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenizerLoadError } from './errors.js';
import { type TokenizerOptions, tokenizerFromFiles } from './from-files.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * Loads a tokenizer from a model directory like `AutoTokenizer.from_pretrained(dir, **kwargs)`:
 * tokenizer.json (+ tokenizer_config.json, special_tokens_map.json), or a bare vocab.txt.
 */
export async function loadTokenizer(dir: string, options: TokenizerOptions = {}): Promise<Tokenizer> {
  return tokenizerFromFiles((name) => readTextIfPresent(join(dir, name)), {
    ...options,
    where: (name) => (name === '' ? dir : join(dir, name)),
  });
}

async function readTextIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenizerLoadError('Cannot read tokenizer file', { file, cause: error });
  }
}
