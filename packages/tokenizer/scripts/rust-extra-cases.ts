/**
 * Writes fixtures/golden/rust-extra.golden.json: encodings of edge-case inputs (decomposed accents,
 * Unicode whitespace and controls, long space runs, literal added tokens, astral characters, pairs
 * truncated 'longest_first' with both sides too long) produced by Hugging Face's Rust `tokenizers`
 * napi binding (the devDependency, 0.23.2), in the schema of the shared golden files. The BERT
 * variants use the tokenizer.json that `wordPieceTokenizerJson` builds (a test checks it equals
 * transformers' BertConverter output). Dev-only: the package never imports the binding.
 *
 * Usage: tsx scripts/rust-extra-cases.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as rust from 'tokenizers';
import { parseVocab, toUtf16Offsets, wordPieceTokenizerJson } from '../src/index.js';

const fixtures = new URL('../fixtures/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, fixtures), 'utf8');

const TEXTS = [
  'cafe\u0301 au lait, nai\u0308ve, e\u0301\u0323 two marks',
  'Ångström Ω \u2126 \u212a Kelvin, ﬁ ﬂ ǅ',
  'İstanbul ΣΟΦΟΣ σοφός',
  'a\u0085b\ufeffc\u3000d\u2028e\u00adf\u200dg',
  '\u0000\u0001 controls \ufffd replacement \u001b[1m bold',
  'tab\t\tand\u000bvertical\u000cform\r\n\r\n',
  'many     spaces          here                                   end   ',
  '[MASK][MASK] [MASK]x [SEP][CLS]  [PAD]\t[MASK]',
  '|||IP_ADDRESS||| then |||EMAIL_ADDRESS||| and [unused0] [unused12]',
  "don't won't I'm we'll they'd it's 'quoted'",
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math 🧑\u200d⚕️ and 患者发热 mixed中文text',
  '\u1100\u1161\u11a8 hangul jamo, 한국어',
];

const PAIRS: Array<[string, string, number]> = [
  [
    'Patient is a 54 yo woman with a long history of poorly controlled type 2 diabetes mellitus.',
    'She presents with polyuria, polydipsia and blurred vision for two weeks.',
    12,
  ],
  ['Short.', 'The second sequence is much longer than the first one and must be cut.', 11],
  [
    'One two three four five six seven eight nine ten eleven twelve.',
    'Alpha beta gamma delta epsilon zeta eta theta iota kappa.',
    17,
  ],
];

interface Variant {
  name: string;
  json: string;
}

function variants(): Variant[] {
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

type RustEncoding = Awaited<ReturnType<rust.Tokenizer['encode']>>;

function expected(encoding: RustEncoding, sources: string[]) {
  const sequenceIds = encoding.getSequenceIds();
  const offsets = encoding.getOffsets() as Array<[number, number]>;
  return {
    ids: encoding.getIds(),
    tokens: encoding.getTokens(),
    type_ids: encoding.getTypeIds(),
    attention_mask: encoding.getAttentionMask(),
    special_tokens_mask: encoding.getSpecialTokensMask(),
    offsets,
    offsets_utf16: offsets.map((span, i) => {
      const sequence = sequenceIds[i];
      return sequence === null || sequence === undefined
        ? span
        : toUtf16Offsets(sources[sequence]!, [span])[0]!;
    }),
    word_ids: encoding.getWordIds().map((w) => (w === undefined ? null : w)),
    sequence_ids: sequenceIds.map((s) => (s === undefined ? null : s)),
  };
}

async function main(): Promise<void> {
  const files: Record<string, unknown> = {};
  for (const variant of variants()) {
    const tokenizer = rust.Tokenizer.fromString(variant.json);
    const cases: unknown[] = [];
    for (const [i, text] of TEXTS.entries()) {
      cases.push({
        id: `extra-single-${i}`,
        kind: 'single',
        text,
        add_special_tokens: true,
        truncation: null,
        expected: expected(await tokenizer.encode(text), [text]),
      });
    }
    for (const [i, [text, pair, maxLength]] of PAIRS.entries()) {
      tokenizer.setTruncation(maxLength, { strategy: 'LongestFirst' as rust.TruncationStrategy });
      cases.push({
        id: `extra-pair-${i}-longest_first${maxLength}`,
        kind: 'pair',
        text,
        text_pair: pair,
        add_special_tokens: true,
        truncation: { max_length: maxLength, strategy: 'longest_first', stride: 0, direction: 'right' },
        expected: expected(await tokenizer.encode(text, pair), [text, pair]),
      });
      tokenizer.disableTruncation();
    }
    files[variant.name] = cases;
  }
  writeFileSync(
    new URL('golden/rust-extra.golden.json', fixtures),
    `${JSON.stringify({ reference: { package: 'tokenizers (npm)', version: '0.23.2' }, variants: files }, null, 1)}\n`,
  );
}

await main();
