/**
 * Writes fixtures/golden/rust-overflow.golden.json: overflow windows (transformers' `return_overflowing_tokens`
 * with `stride`) of single texts, produced by Hugging Face's Rust `tokenizers` napi binding (the devDependency,
 * 0.23.2) the way its documented pipeline makes them: the whole text encoded without special tokens, then
 * `Encoding.truncate(maxLength - 2, stride, direction)`, then `Tokenizer.postProcess`, which lays each window out
 * along the template. (With truncation set on the tokenizer, 0.23's `encode` stops tokenizing after `maxLength`
 * tokens, so its overflow loses the tail of the text; the windows above are what transformers' windowed pipelines
 * expect.) Dev-only: the package never imports the binding.
 *
 * Usage: tsx scripts/rust-overflow-cases.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as rust from 'tokenizers';
import { parseVocab, toUtf16Offsets, wordPieceTokenizerJson } from '../src/index.js';

const fixtures = new URL('../fixtures/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, fixtures), 'utf8');

const NOTE =
  'HPI: 67 yo M w/ h/o CHF (EF 35%), DM2, CKD3 p/w SOB x3d.  Denies CP.\n\nMeds: metoprolol 25 mg PO BID, ' +
  'furosemide 40 mg daily.   Allergies: PCN (rash).\tFamily: 父亲 糖尿病 患者发热 🧑\u200d⚕️ seen by Dr. [**Name**] ' +
  'on [**2019-3-4**].     Plan: diurese, repeat BMP 🙂 in AM; f/u cardiology.';

const CASES: Array<{
  id: string;
  text: string;
  maxLength: number;
  stride: number;
  direction: 'right' | 'left';
}> = [
  { id: 'note-16-0', text: NOTE, maxLength: 16, stride: 0, direction: 'right' },
  { id: 'note-16-4', text: NOTE, maxLength: 16, stride: 4, direction: 'right' },
  { id: 'note-12-6', text: NOTE, maxLength: 12, stride: 6, direction: 'right' },
  { id: 'note-32-8', text: NOTE, maxLength: 32, stride: 8, direction: 'right' },
  { id: 'note-left-16-3', text: NOTE, maxLength: 16, stride: 3, direction: 'left' },
  { id: 'fits-64-8', text: 'Short note fits.', maxLength: 64, stride: 8, direction: 'right' },
  { id: 'exact-2', text: 'BP 120/80', maxLength: 2, stride: 0, direction: 'right' },
];

function variants(): Array<{ name: string; json: string }> {
  const modernbert = JSON.parse(read('modernbert/tokenizer.json'));
  const prefixed = structuredClone(modernbert);
  prefixed.pre_tokenizer.add_prefix_space = true;
  const vocab = parseVocab(read('bert-base-cased/vocab.txt'));
  return [
    { name: 'modernbert.default', json: JSON.stringify(modernbert) },
    { name: 'modernbert.add_prefix_space', json: JSON.stringify(prefixed) },
    { name: 'bio_clinicalbert.autotokenizer_lowercase', json: JSON.stringify(wordPieceTokenizerJson(vocab)) },
    {
      name: 'bert_base_cased.cased',
      json: JSON.stringify(wordPieceTokenizerJson(vocab, { lowercase: false })),
    },
  ];
}

type RustEncoding = ReturnType<rust.Tokenizer['postProcess']>;

function expected(encoding: RustEncoding, text: string) {
  const sequenceIds = encoding.getSequenceIds();
  const offsets = encoding.getOffsets() as Array<[number, number]>;
  return {
    ids: encoding.getIds(),
    tokens: encoding.getTokens(),
    type_ids: encoding.getTypeIds(),
    attention_mask: encoding.getAttentionMask(),
    special_tokens_mask: encoding.getSpecialTokensMask(),
    offsets,
    offsets_utf16: offsets.map((span, i) =>
      sequenceIds[i] === null || sequenceIds[i] === undefined ? span : toUtf16Offsets(text, [span])[0]!,
    ),
    word_ids: encoding.getWordIds().map((w) => (w === undefined ? null : w)),
    sequence_ids: sequenceIds.map((s) => (s === undefined ? null : s)),
  };
}

async function main(): Promise<void> {
  const files: Record<string, unknown> = {};
  for (const variant of variants()) {
    const tokenizer = rust.Tokenizer.fromString(variant.json);
    const cases: unknown[] = [];
    for (const c of CASES) {
      const whole = await tokenizer.encode(c.text, null, { addSpecialTokens: false });
      whole.truncate(c.maxLength - 2, c.stride, c.direction);
      const processed = tokenizer.postProcess(whole, null, true);
      cases.push({
        id: `overflow-${c.id}`,
        kind: 'single',
        text: c.text,
        add_special_tokens: true,
        truncation: {
          max_length: c.maxLength,
          strategy: 'longest_first',
          stride: c.stride,
          direction: c.direction,
        },
        expected: [processed, ...processed.getOverflowing()].map((e) => expected(e, c.text)),
      });
    }
    files[variant.name] = cases;
  }
  writeFileSync(
    new URL('golden/rust-overflow.golden.json', fixtures),
    `${JSON.stringify({ reference: { package: 'tokenizers (npm)', version: '0.23.2', method: 'encode without special tokens → Encoding.truncate(max_length - 2, stride, direction) → Tokenizer.postProcess' }, variants: files })}\n`,
  );
}

await main();
