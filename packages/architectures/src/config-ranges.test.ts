import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config-file.js';
import { ModelConfigError } from './errors.js';
import { parseConfig } from './registry.js';

const BERT = {
  model_type: 'bert',
  vocab_size: 1024,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 96,
  max_position_embeddings: 512,
};

function errorOf(overrides: Record<string, unknown>): unknown {
  try {
    return parseConfig({ ...BERT, ...overrides });
  } catch (error) {
    return error;
  }
}

describe('issue 17 item 5: config.json ranges are checked once, at parse time, naming the key', () => {
  it.each([
    ['num_hidden_layers', 2147483648],
    ['num_hidden_layers', 2 ** 53],
    ['num_hidden_layers', 0],
    ['vocab_size', -1],
    ['hidden_size', 2 ** 53],
    ['max_position_embeddings', 1e9],
    ['num_labels', 2 ** 31],
    ['type_vocab_size', 0],
    ['hidden_dropout_prob', 1.5],
    ['hidden_dropout_prob', 1],
    ['attention_probs_dropout_prob', -0.1],
    ['classifier_dropout', 2],
    ['layer_norm_eps', 0],
    ['pad_token_id', 5000],
  ])('%s = %d is a ModelConfigError naming the key', (key, value) => {
    const error = errorOf({ [key]: value });
    expect(error).toBeInstanceOf(ModelConfigError);
    expect((error as Error).message).toContain(`"${key}"`);
  });

  it('a ModernBERT config with global_attn_every_n_layers 0 or a huge local_attention is refused', () => {
    for (const overrides of [{ global_attn_every_n_layers: 0 }, { local_attention: 2 ** 40 }]) {
      const error = errorOf({ model_type: 'modernbert', ...overrides });
      expect(error).toBeInstanceOf(ModelConfigError);
    }
  });

  it('refuses a vocabulary too large for one embedding matrix, naming both keys', () => {
    const error = errorOf({ vocab_size: 1 << 24, hidden_size: 1 << 12, num_attention_heads: 1 });
    expect(error).toBeInstanceOf(ModelConfigError);
    expect((error as Error).message).toMatch(/"vocab_size" 16777216 × "hidden_size" 4096/);
  });

  it('describes deeply nested values without walking them', () => {
    let nested: unknown = 'x';
    for (let i = 0; i < 100_000; i++) nested = [nested];
    for (const key of ['architectures', 'id2label', 'position_embedding_type']) {
      const error = errorOf({ [key]: nested });
      expect(error, key).toBeInstanceOf(Error);
      expect((error as Error).name, key).not.toBe('RangeError');
    }
  });

  it('accepts the values real checkpoints carry', () => {
    const config = parseConfig({
      ...BERT,
      hidden_dropout_prob: 0,
      classifier_dropout: null,
      layer_norm_eps: 1e-12,
      pad_token_id: 0,
    });
    expect(config.numHiddenLayers).toBe(2);
  });
});

describe('issue 17 item 5: a config.json syntax error names its line and column', () => {
  it.each([
    ['{\n  "vocab_size": 10,\n  "hidden_size": }\n', 3, 18],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ['{"a": tru}', 1, 7],
    ['', 1, 1],
  ])('%j', async (text, line, column) => {
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-config-'));
    try {
      await writeFile(join(dir, 'config.json'), text);
      const error = await readConfig(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelConfigError);
      expect(error).toMatchObject({ line, column });
      expect((error as Error).message).toContain(`line ${line}, column ${column}`);
      expect((error as Error).message).toContain(`config.json:${line}:${column}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
