/**
 * Writes fixtures/tiny-wordpiece/vocab.txt: a 1024-entry BERT WordPiece vocabulary (the size of the tiny
 * test checkpoints' embedding tables), so the tiny BERT checkpoints can tokenize real clinical text in the
 * predict tests and examples. [PAD]=0, [unused*], [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103, then
 * clinical words, single characters and their ## continuations.
 *   npx tsx scripts/make-tiny-vocab.ts
 */
import { writeFileSync } from 'node:fs';

const SIZE = 1024;
const WORDS = `the a of and to in with for on no was is patient pain chest denies history fever cough
blood pressure heart rate mg daily given started stopped left right normal abnormal ct scan mri x ray
shows showed mass lesion tumor cancer infection pneumonia diabetes hypertension aspirin metformin
insulin lisinopril tylenol morphine antibiotics surgery biopsy admitted discharged home stable denied
reports acute chronic mild severe bilateral effusion edema shortness breath nausea vomiting headache
abdominal tenderness swelling rash fracture wound culture negative positive labs glucose creatinine`
  .split(/\s+/)
  .filter(Boolean);
const CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?()-/%\'"'];

const vocab = [
  '[PAD]',
  ...Array.from({ length: 99 }, (_, i) => `[unused${i + 1}]`),
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
];
for (const token of [...WORDS, ...CHARS, ...CHARS.map((c) => `##${c}`)])
  if (!vocab.includes(token)) vocab.push(token);
for (let i = 0; vocab.length < SIZE; i++) vocab.push(`[unused${100 + i}]`);
writeFileSync(
  new URL('../fixtures/tiny-wordpiece/vocab.txt', import.meta.url),
  `${vocab.slice(0, SIZE).join('\n')}\n`,
);
console.log(`wrote ${SIZE} tokens (${WORDS.length} words)`);
