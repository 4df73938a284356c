/**
 * Writes fixtures/derived/*.skeleton.json from the shared fixtures' derived tokenizer.json files
 * (transformers' BertConverter output for bert-base-cased's vocab.txt, 0.67 MB each): the same JSON
 * with model.vocab replaced by its size and the sha256 of its entries sorted by id, so a test can
 * compare a whole tokenizer.json without committing two copies of the vocabulary.
 *
 * Usage: tsx scripts/derive-skeletons.ts <shared fixtures>/reference/tokenizers/derived
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface VocabDigest {
  size: number;
  sha256: string;
}

export function vocabDigest(vocab: Record<string, number>): VocabDigest {
  const entries = Object.entries(vocab).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  return { size: entries.length, sha256: createHash('sha256').update(JSON.stringify(entries)).digest('hex') };
}

function main(source: string): void {
  const out = new URL('../fixtures/derived/', import.meta.url);
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(source).filter((f) => f.endsWith('.tokenizer.json'))) {
    const json = JSON.parse(readFileSync(join(source, file), 'utf8'));
    json.model.vocab = vocabDigest(json.model.vocab);
    writeFileSync(
      new URL(file.replace('.tokenizer.json', '.skeleton.json'), out),
      `${JSON.stringify(json, null, 2)}\n`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv[2]!);
