import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODELS_DIR = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export type TinyCheckpoint =
  | 'tiny-bert-mlm'
  | 'tiny-bert-tokcls'
  | 'tiny-bert-seqcls'
  | 'tiny-bert-seqcls-multilabel'
  | 'tiny-modernbert-mlm'
  | 'tiny-modernbert-tokcls'
  | 'tiny-modernbert-seqcls'
  | 'tiny-modernbert-seqcls-multilabel';

/** The tokenizer fixture that reads real text with a tiny checkpoint's 1024 ids. */
export function tinyTokenizerDir(checkpoint: TinyCheckpoint): string {
  return `${FIXTURES}${checkpoint.includes('modernbert') ? 'tiny-bpe' : 'tiny-wordpiece'}`;
}

/**
 * A temporary model directory: a tiny checkpoint from the repository fixtures plus a tokenizer with its 1024 ids
 * (BERT: the WordPiece vocabulary of fixtures/tiny-wordpiece; ModernBERT: the byte-level BPE of fixtures/tiny-bpe),
 * so it reads real text. The caller removes it.
 */
export function tinyModelDir(checkpoint: TinyCheckpoint): string {
  const dir = mkdtempSync(join(tmpdir(), `bcmb-pipeline-${checkpoint}-`));
  for (const source of [`${MODELS_DIR}${checkpoint}`, tinyTokenizerDir(checkpoint)]) {
    for (const file of readdirSync(source)) copyFileSync(join(source, file), join(dir, file));
  }
  return dir;
}
