// Shared by the tests only (not exported from index.ts): the fixture tokenizers and golden files.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TokenizerOptions } from './from-files.js';
import { loadTokenizer } from './load.js';
import type { Tokenizer } from './tokenizer.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The four AutoTokenizer set-ups of the golden files: model directory and from_pretrained kwargs. */
export const VARIANTS = {
  'modernbert.default': { dir: 'modernbert', options: {} },
  'modernbert.add_prefix_space': { dir: 'modernbert', options: { addPrefixSpace: true } },
  'bio_clinicalbert.autotokenizer_lowercase': { dir: 'bert-base-cased', options: {} },
  'bert_base_cased.cased': { dir: 'bert-base-cased', options: { lowercase: false } },
} satisfies Record<string, { dir: string; options: TokenizerOptions }>;

export type VariantName = keyof typeof VARIANTS;
export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

const silent = () => {};

export function loadVariant(name: VariantName): Promise<Tokenizer> {
  const { dir, options } = VARIANTS[name];
  return loadTokenizer(`${FIXTURES}${dir}`, { warn: silent, ...options });
}

export function readFixture(path: string): string {
  return readFileSync(`${FIXTURES}${path}`, 'utf8');
}

export interface GoldenTruncation {
  max_length: number;
  strategy: 'longest_first' | 'only_first' | 'only_second';
  direction: 'right' | 'left';
}

export interface GoldenExpected {
  ids: number[];
  tokens: string[];
  type_ids: number[];
  attention_mask: number[];
  special_tokens_mask: number[];
  offsets: Array<[number, number]>;
  offsets_utf16: Array<[number, number]>;
  word_ids: Array<number | null>;
  sequence_ids: Array<number | null>;
}

export interface GoldenCase {
  id: string;
  kind: 'single' | 'pair' | 'words' | 'batch';
  text?: string;
  text_pair?: string;
  words?: string[];
  texts?: string[];
  add_special_tokens: boolean;
  truncation: GoldenTruncation | null;
  padding?: { strategy: 'longest' | 'max_length'; max_length: number | null };
  expected: GoldenExpected | { error: string } | Array<GoldenExpected | { error: string }>;
}

/** The golden cases of one variant: the shared file's 159, then the Rust-checked extra cases. */
export function goldenCases(name: VariantName): GoldenCase[] {
  const shared = JSON.parse(readFixture(`golden/${name}.golden.json`)).cases as GoldenCase[];
  const extra = JSON.parse(readFixture('golden/rust-extra.golden.json')).variants[name] as GoldenCase[];
  return [...shared, ...extra];
}
