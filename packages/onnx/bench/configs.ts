import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type EncoderConfig, parseConfig } from '@bcmb/architectures';

export type AnchorModel = 'bert-base' | 'modernbert-base';

/** The anchor model's published config.json, as @bcmb/modeling ships it under packages/modeling/configs/. */
export function anchorConfig(name: AnchorModel): { config: EncoderConfig; source: string } {
  const path = fileURLToPath(new URL(`../../modeling/configs/${name}/config.json`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: @bcmb/modeling ships the anchor configs there`);
  return { config: parseConfig(JSON.parse(readFileSync(path, 'utf8')), path), source: path };
}
