import { describe, expect, it } from 'vitest';
import { ModelConfigError, UnsupportedConfigError } from './errors.js';
import { parseConfig } from './registry.js';

const MODERNBERT = {
  model_type: 'modernbert',
  vocab_size: 1024,
  hidden_size: 64,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  intermediate_size: 96,
  max_position_embeddings: 512,
  pad_token_id: 1020,
  local_attention: 16,
  classifier_pooling: 'mean',
};

describe('parseConfig', () => {
  it('reads ModernBERT layer types as every third layer global, starting at layer 0', () => {
    const config = parseConfig(MODERNBERT);
    expect(config.modelType).toBe('modernbert');
    if (config.modelType !== 'modernbert') return;
    expect(config.layerTypes).toEqual([
      'full_attention',
      'sliding_attention',
      'sliding_attention',
      'full_attention',
    ]);
    expect([config.globalRopeTheta, config.localRopeTheta, config.normEps]).toEqual([160000, 10000, 1e-5]);
    expect(config.numLabels).toBe(2);
  });

  it('infers bert from the architecture when model_type is absent (old checkpoints)', () => {
    const config = parseConfig({ ...MODERNBERT, model_type: undefined, architectures: ['BertForMaskedLM'] });
    expect(config.modelType).toBe('bert');
  });

  it('reads a 2019 BERT config without model_type or architectures (Bio_ClinicalBERT) as BERT', () => {
    const bioClinicalBert = {
      attention_probs_dropout_prob: 0.1,
      hidden_act: 'gelu',
      hidden_dropout_prob: 0.1,
      hidden_size: 768,
      initializer_range: 0.02,
      intermediate_size: 3072,
      max_position_embeddings: 512,
      num_attention_heads: 12,
      num_hidden_layers: 12,
      type_vocab_size: 2,
      vocab_size: 28996,
    };
    const config = parseConfig(bioClinicalBert, 'models--emilyalsentzer--Bio_ClinicalBERT/config.json');
    expect(config).toMatchObject({
      modelType: 'bert',
      padTokenId: 0,
      layerNormEps: 1e-12,
      hiddenAct: 'gelu',
    });
  });

  it.each([
    [{ model_type: 'roberta' }, /model_type "roberta" is not implemented/],
    [{ hidden_activation: 'quick_gelu' }, /activation "quick_gelu" is not implemented/],
    [{ classifier_pooling: 'max' }, /classifier_pooling/],
    [{ rope_scaling: { type: 'linear', factor: 2 } }, /rope_scaling/],
    [
      { layer_types: ['full_attention', 'chunked_attention', 'full_attention', 'full_attention'] },
      /layer_types/,
    ],
    [{ problem_type: 'ranking' }, /problem_type/],
  ])('refuses %j with a typed error instead of approximating', (change, message) => {
    expect(() => parseConfig({ ...MODERNBERT, ...change })).toThrow(UnsupportedConfigError);
    expect(() => parseConfig({ ...MODERNBERT, ...change })).toThrow(message);
  });

  it('refuses BERT settings that change the math: relative positions, decoder mode', () => {
    const bert = { ...MODERNBERT, model_type: 'bert' };
    expect(() => parseConfig({ ...bert, position_embedding_type: 'relative_key' })).toThrow(
      UnsupportedConfigError,
    );
    expect(() => parseConfig({ ...bert, is_decoder: true })).toThrow(UnsupportedConfigError);
  });

  it('names the missing field and the file', () => {
    expect(() => parseConfig({ model_type: 'bert' }, 'models/x/config.json')).toThrow(ModelConfigError);
    expect(() => parseConfig({ model_type: 'bert' }, 'models/x/config.json')).toThrow(
      /no "hidden_size" \(models\/x\/config\.json\)/,
    );
  });
});
