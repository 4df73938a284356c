import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type EncoderConfig, parseConfig } from '@bcmb/modeling';

/**
 * The public config.json fields of the anchor models (bert-base-cased and answerdotai/ModernBERT-base),
 * used when @bcmb/modeling does not ship them under packages/modeling/configs/.
 */
const PUBLIC_CONFIGS: Record<string, Record<string, unknown>> = {
  'bert-base': {
    architectures: ['BertForMaskedLM'],
    model_type: 'bert',
    vocab_size: 28996,
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    hidden_act: 'gelu',
    max_position_embeddings: 512,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
  },
  'modernbert-base': {
    architectures: ['ModernBertForMaskedLM'],
    model_type: 'modernbert',
    vocab_size: 50368,
    hidden_size: 768,
    num_hidden_layers: 22,
    num_attention_heads: 12,
    intermediate_size: 1152,
    hidden_activation: 'gelu',
    max_position_embeddings: 8192,
    local_attention: 128,
    global_attn_every_n_layers: 3,
    global_rope_theta: 160000.0,
    local_rope_theta: 10000.0,
    norm_eps: 1e-5,
    norm_bias: false,
    attention_bias: false,
    mlp_bias: false,
    classifier_pooling: 'mean',
    classifier_activation: 'gelu',
    pad_token_id: 50283,
  },
};

export type AnchorModel = 'bert-base' | 'modernbert-base';

/** The anchor model's config: @bcmb/modeling's copy when present, else the public values above. */
export function anchorConfig(name: AnchorModel): { config: EncoderConfig; source: string } {
  const shipped = fileURLToPath(new URL(`../../modeling/configs/${name}/config.json`, import.meta.url));
  if (existsSync(shipped)) {
    return { config: parseConfig(JSON.parse(readFileSync(shipped, 'utf8')), shipped), source: shipped };
  }
  return {
    config: parseConfig(PUBLIC_CONFIGS[name] as Record<string, unknown>, `${name} (public config)`),
    source: 'public config',
  };
}
