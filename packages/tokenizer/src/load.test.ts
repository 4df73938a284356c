import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TokenizerLoadError } from './errors.js';
import { tokenizerFromJson } from './from-files.js';
import { loadTokenizer } from './load.js';
import { researchMaxLength, VERY_LARGE_INTEGER } from './max-length.js';
import { FIXTURES, loadVariant, readFixture } from './test-support.js';

const BERT_DIR = `${FIXTURES}bert-base-cased`;
const ABNORMALITY = 'Abnormality is found in the left lobe of the lung.';

function tempModelDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bcmb-tokenizer-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe('loadTokenizer', () => {
  it('lower-cases a bare cased vocab.txt by default, as AutoTokenizer does for Bio_ClinicalBERT, and says so once', async () => {
    const warn = vi.fn();
    const tokenizer = await loadTokenizer(BERT_DIR, { warn });
    await loadTokenizer(BERT_DIR, { warn });
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toMatch(/cased vocabulary .* lower-cased/);
    // EmilyAlsentzer/clinicalBERT#26: tokenize("Abnormality …") → ['abnormal', '##ity', …]
    expect(tokenizer.encode(ABNORMALITY, { addSpecialTokens: false }).tokens.slice(0, 2)).toEqual([
      'abnormal',
      '##ity',
    ]);
  });

  it('keeps the case with { lowercase: false }, without a notice', async () => {
    const warn = vi.fn();
    const tokenizer = await loadTokenizer(
      tempModelDir({ 'vocab.txt': readFixture('bert-base-cased/vocab.txt') }),
      {
        lowercase: false,
        warn,
      },
    );
    expect(warn).not.toHaveBeenCalled();
    expect(tokenizer.encode(ABNORMALITY, { addSpecialTokens: false }).tokens[0]).toBe('A');
  });

  it('follows do_lower_case from tokenizer_config.json next to vocab.txt', async () => {
    const warn = vi.fn();
    const dir = tempModelDir({
      'vocab.txt': readFixture('bert-base-cased/vocab.txt'),
      'tokenizer_config.json': JSON.stringify({ do_lower_case: false, model_max_length: 512 }),
    });
    const tokenizer = await loadTokenizer(dir, { warn });
    expect(warn).not.toHaveBeenCalled();
    expect(tokenizer.encode('Café', { addSpecialTokens: false }).tokens).toEqual(['Café']);
    expect(tokenizer.modelMaxLength).toBe(512);
  });

  it('reads model_max_length from the config (ModernBERT 8192) and keeps transformers VERY_LARGE_INTEGER without one', async () => {
    const modernbert = await loadVariant('modernbert.default');
    const clinical = await loadVariant('bio_clinicalbert.autotokenizer_lowercase');
    expect(modernbert.modelMaxLength).toBe(8192);
    expect(clinical.modelMaxLength).toBe(VERY_LARGE_INTEGER);
    // The research code: max_length = model_max_length if < 10000 else 512.
    expect(researchMaxLength(modernbert.modelMaxLength)).toBe(8192);
    expect(researchMaxLength(clinical.modelMaxLength)).toBe(512);
  });

  it('resolves the special tokens of both families to their ids', async () => {
    const modernbert = await loadVariant('modernbert.default');
    const clinical = await loadVariant('bio_clinicalbert.autotokenizer_lowercase');
    const ids = (t: typeof modernbert) => [
      t.unkTokenId,
      t.clsTokenId,
      t.sepTokenId,
      t.padTokenId,
      t.maskTokenId,
    ];
    expect(ids(modernbert)).toEqual([50280, 50281, 50282, 50283, 50284]);
    expect(ids(clinical)).toEqual([100, 101, 102, 0, 103]);
  });

  it('applies add_prefix_space from tokenizer_config.json like the kwarg', async () => {
    const json = JSON.parse(readFixture('modernbert/tokenizer.json'));
    const config = JSON.parse(readFixture('modernbert/tokenizer_config.json'));
    const fromConfig = tokenizerFromJson(json, { ...config, add_prefix_space: true });
    const fromKwarg = await loadVariant('modernbert.add_prefix_space');
    const words = ['Pt', 'c/o', 'SOB'];
    expect(fromConfig.encodeWords(words)).toEqual(fromKwarg.encodeWords(words));
    expect(fromKwarg.encodeWords(words).tokens[1]).toBe('ĠPt');
  });

  it('ignores addPrefixSpace for BERT, whose pre-tokenizer has no such field', async () => {
    const plain = await loadVariant('bio_clinicalbert.autotokenizer_lowercase');
    const prefixed = await loadTokenizer(BERT_DIR, { addPrefixSpace: true, warn: () => {} });
    expect(prefixed.encodeWords(['Pt', 'c/o', 'SOB'])).toEqual(plain.encodeWords(['Pt', 'c/o', 'SOB']));
  });

  it('says which directory holds no tokenizer, and which file is not JSON', async () => {
    const empty = tempModelDir({});
    await expect(loadTokenizer(empty)).rejects.toThrow(TokenizerLoadError);
    await expect(loadTokenizer(empty)).rejects.toThrow(empty);
    const broken = tempModelDir({ 'tokenizer.json': '{ not json' });
    await expect(loadTokenizer(broken)).rejects.toThrow(
      /not valid JSON: .* at line \d+, column \d+ .*tokenizer\.json:\d+:\d+/,
    );
  });
});
