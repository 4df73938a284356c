import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelConfigError } from './errors.js';
import { CONFIG_FILE } from './model-files.js';
import { type EncoderConfig, parseConfigText } from './registry.js';

/** Reads and parses `<dir>/config.json`, with optional overrides applied first. */
export async function readConfig(
  dir: string,
  overrides: Record<string, unknown> = {},
): Promise<EncoderConfig> {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelConfigError('cannot read config.json', {
      file: path,
      cause: error,
      hint: 'Point to a model folder',
    });
  }
  return parseConfigText(text, path, overrides);
}
