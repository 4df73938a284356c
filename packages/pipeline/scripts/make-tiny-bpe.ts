/**
 * Writes fixtures/tiny-bpe/: a byte-level BPE tokenizer cut down from ModernBERT's to the 1024 ids of the tiny
 * ModernBERT test checkpoints, so they read real text (emoji, CJK, accents: every byte has a token) in the
 * pipeline tests and examples. Ids 0..1018 are ModernBERT's own first 1019 tokens, with every merge whose two parts
 * and result stay inside them, in ModernBERT's order; the special tokens sit where the tiny checkpoints expect
 * them: [UNK] 1019, [PAD] 1020, [CLS] 1021, [SEP] 1022, [MASK] 1023 (lstrip, as in ModernBERT). Normalizer,
 * pre-tokenizer, decoder and the `[CLS] $A [SEP]` template are ModernBERT's.
 *   npx tsx scripts/make-tiny-bpe.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const SOURCE = new URL('../../tokenizer/fixtures/modernbert/', import.meta.url);
const TARGET = new URL('../fixtures/tiny-bpe/', import.meta.url);
const KEPT = 1019;
const SPECIALS = [
  ['[UNK]', 1019],
  ['[PAD]', 1020],
  ['[CLS]', 1021],
  ['[SEP]', 1022],
  ['[MASK]', 1023],
] as const;

const source = JSON.parse(readFileSync(new URL('tokenizer.json', SOURCE), 'utf8'));
const vocab: Record<string, number> = {};
for (const [token, id] of Object.entries<number>(source.model.vocab)) if (id < KEPT) vocab[token] = id;
const merges = (source.model.merges as [string, string][]).filter(
  ([a, b]) => a in vocab && b in vocab && `${a}${b}` in vocab,
);
const byId = new Map(
  (source.added_tokens as Array<{ content: string }>).map((token) => [token.content, token] as const),
);
const addedTokens = [
  ...(source.added_tokens as Array<{ id: number }>).filter((token) => token.id < KEPT),
  ...SPECIALS.map(([content, id]) => ({ ...byId.get(content), content, id })),
];
for (const [content, id] of SPECIALS) vocab[content] = id;
const special = (content: string, id: number) => ({ id: content, ids: [id], tokens: [content] });
const tokenizer = {
  ...source,
  added_tokens: addedTokens,
  post_processor: {
    type: 'TemplateProcessing',
    single: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
    ],
    pair: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
    ],
    special_tokens: { '[CLS]': special('[CLS]', 1021), '[SEP]': special('[SEP]', 1022) },
  },
  model: { ...source.model, vocab, merges },
};
const config = JSON.parse(readFileSync(new URL('tokenizer_config.json', SOURCE), 'utf8'));
config.added_tokens_decoder = Object.fromEntries(addedTokens.map(({ id, ...token }) => [String(id), token]));
config.model_max_length = 512;

mkdirSync(TARGET, { recursive: true });
writeFileSync(new URL('tokenizer.json', TARGET), `${JSON.stringify(tokenizer)}\n`);
writeFileSync(new URL('tokenizer_config.json', TARGET), `${JSON.stringify(config, null, 2)}\n`);
writeFileSync(
  new URL('special_tokens_map.json', TARGET),
  readFileSync(new URL('special_tokens_map.json', SOURCE), 'utf8'),
);
console.log(`wrote ${Object.keys(vocab).length} ids, ${merges.length} merges`);
