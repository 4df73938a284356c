import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODELS_DIR = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));
const modelDir = (name: string) => `${MODELS_DIR}${name}`;
const TINY_WORDPIECE = fileURLToPath(new URL('../../fixtures/tiny-wordpiece/', import.meta.url));

/**
 * A temporary model directory: a tiny BERT checkpoint from the repository fixtures plus the 1024-token
 * WordPiece vocabulary of fixtures/tiny-wordpiece, so it reads real text. The caller removes it.
 */
export function tinyClassifierDir(
  checkpoint: 'tiny-bert-tokcls' | 'tiny-bert-seqcls' | 'tiny-bert-seqcls-multilabel',
): string {
  const dir = mkdtempSync(join(tmpdir(), `bcmb-onnx-${checkpoint}-`));
  for (const source of [modelDir(checkpoint), TINY_WORDPIECE]) {
    for (const file of readdirSync(source)) copyFileSync(join(source, file), join(dir, file));
  }
  return dir;
}
