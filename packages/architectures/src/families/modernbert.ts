import { type Activation, type ConfigReader, describe, type EncoderConfigBase } from '../config-reader.js';
import { ModelConfigError, UnsupportedConfigError } from '../errors.js';
import { attendedPairs, backbonePrefix, type Family, type Init, type ParameterSpec } from '../family.js';
import type { AttentionSpec, EncoderBlock, EncoderOps, ForwardResult } from '../ops.js';
import type { Task } from '../task.js';

export type AttentionType = 'full_attention' | 'sliding_attention';

/**
 * ModernBERT (Warner et al.; BioClinical ModernBERT): pre-norm layers without biases, fused QKV with rotary
 * embeddings, every third layer global and the others sliding-window, GeGLU MLP, final norm.
 */
export interface ModernBertConfig extends EncoderConfigBase {
  modelType: 'modernbert';
  hiddenActivation: Activation;
  classifierActivation: Activation;
  normEps: number;
  normBias: boolean;
  attentionBias: boolean;
  mlpBias: boolean;
  classifierBias: boolean;
  decoderBias: boolean;
  tieWordEmbeddings: boolean;
  embeddingDropout: number;
  attentionDropout: number;
  mlpDropout: number;
  classifierDropout: number;
  /** Full window width: a key j is visible to query i iff |i - j| <= localAttention / 2. */
  localAttention: number;
  globalAttnEveryNLayers: number;
  globalRopeTheta: number;
  localRopeTheta: number;
  classifierPooling: 'cls' | 'mean';
  initializerCutoffFactor: number;
  layerTypes: AttentionType[];
}

function parseLayerTypes(reader: ConfigReader, numLayers: number, everyN: number): AttentionType[] {
  const given = reader.raw['layer_types'];
  if (given === undefined || given === null) {
    // ModernBertAttention: layer_id % global_attn_every_n_layers == 0 is global, the others slide.
    return Array.from({ length: numLayers }, (_, i) =>
      i % everyN === 0 ? 'full_attention' : 'sliding_attention',
    );
  }
  if (!Array.isArray(given) || given.length !== numLayers) {
    throw new ModelConfigError(`config.json "layer_types" must list ${numLayers} entries`, {
      file: reader.source,
    });
  }
  return given.map((type, i) => {
    if (type !== 'full_attention' && type !== 'sliding_attention') {
      throw new UnsupportedConfigError(
        `config.json "layer_types"[${i}]: ${describe(type)} is not implemented`,
        {
          file: reader.source,
          hint: 'Use full_attention or sliding_attention',
        },
      );
    }
    return type;
  });
}

/** Newer transformers write RoPE settings as `rope_parameters`; only the default (unscaled) RoPE is implemented. */
function ropeTheta(
  reader: ConfigReader,
  layerType: AttentionType,
  legacyKey: string,
  fallback: number,
): number {
  const parameters = reader.raw['rope_parameters'];
  const entry =
    typeof parameters === 'object' && parameters !== null
      ? (parameters as Record<string, unknown>)[layerType]
      : undefined;
  if (typeof entry === 'object' && entry !== null) {
    const fields = entry as Record<string, unknown>;
    if (fields['rope_type'] !== undefined && fields['rope_type'] !== 'default') {
      throw new UnsupportedConfigError(
        `rope_parameters.${layerType}.rope_type ${describe(fields['rope_type'])}`,
        {
          file: reader.source,
          hint: 'Only the default RoPE is implemented',
        },
      );
    }
    const theta = fields['rope_theta'];
    if (typeof theta === 'number') {
      if (!(theta > 0 && theta <= 1e12)) {
        throw new ModelConfigError(
          `config.json rope_parameters.${layerType}.rope_theta is ${theta}, not positive`,
          {
            file: reader.source,
            hint: 'Fix the value in config.json',
          },
        );
      }
      return theta;
    }
  }
  return reader.number(legacyKey, fallback);
}

function parseConfig(reader: ConfigReader, base: EncoderConfigBase): ModernBertConfig {
  reader.requireValue('rope_scaling', [], 'scaled RoPE is not implemented');
  const headDim = reader.raw['head_dim'];
  if (headDim !== undefined && headDim !== null && headDim !== base.hiddenSize / base.numAttentionHeads) {
    throw new UnsupportedConfigError(
      `config.json "head_dim" ${describe(headDim)} differs from hidden/heads`,
      {
        file: reader.source,
      },
    );
  }
  const localAttention = reader.integer('local_attention', 128);
  const globalAttnEveryNLayers = reader.integer('global_attn_every_n_layers', 3);
  const pooling = reader.string('classifier_pooling', 'cls');
  if (pooling !== 'cls' && pooling !== 'mean') {
    throw new UnsupportedConfigError(
      `config.json "classifier_pooling": ${describe(pooling)} is not implemented`,
      {
        file: reader.source,
        hint: 'Use "cls" or "mean"',
      },
    );
  }
  // Defaults below are ModernBertConfig's (transformers 4.48).
  return {
    ...base,
    modelType: 'modernbert',
    hiddenActivation: reader.activation('hidden_activation', 'gelu'),
    classifierActivation: reader.activation('classifier_activation', 'gelu'),
    normEps: reader.number('norm_eps', 1e-5),
    normBias: reader.boolean('norm_bias', false),
    attentionBias: reader.boolean('attention_bias', false),
    mlpBias: reader.boolean('mlp_bias', false),
    classifierBias: reader.boolean('classifier_bias', false),
    decoderBias: reader.boolean('decoder_bias', true),
    tieWordEmbeddings: reader.boolean('tie_word_embeddings', true),
    embeddingDropout: reader.number('embedding_dropout', 0),
    attentionDropout: reader.number('attention_dropout', 0),
    mlpDropout: reader.number('mlp_dropout', 0),
    classifierDropout: reader.number('classifier_dropout', 0),
    localAttention,
    globalAttnEveryNLayers,
    globalRopeTheta: ropeTheta(reader, 'full_attention', 'global_rope_theta', 160000),
    localRopeTheta: ropeTheta(reader, 'sliding_attention', 'local_rope_theta', 10000),
    classifierPooling: pooling,
    initializerCutoffFactor: reader.number('initializer_cutoff_factor', 2),
    layerTypes: parseLayerTypes(reader, base.numHiddenLayers, globalAttnEveryNLayers),
  };
}

/** Initial weights of ModernBertPreTrainedModel._init_weights (truncated normals cut at ±2σ). */
function initStds(config: ModernBertConfig) {
  return {
    in: config.initializerRange,
    out: config.initializerRange / Math.sqrt(2 * config.numHiddenLayers),
    embedding: config.initializerRange,
    finalOut: config.hiddenSize ** -0.5,
  };
}

function truncated(std: number): Init {
  return { kind: 'truncated', std };
}

function parameters(config: ModernBertConfig, task: Task): ParameterSpec[] {
  if (task === 'pretraining') {
    throw new UnsupportedConfigError(
      'ModernBERT has no next-sentence pre-training head (BertForPreTraining only)',
      {
        hint: 'Pretrain ModernBERT with the masked-lm task',
      },
    );
  }
  const p = backbonePrefix(modernBert, task);
  const { hiddenSize: h, intermediateSize: inner, vocabSize } = config;
  const stds = initStds(config);
  const specs: ParameterSpec[] = [];
  const linear = (name: string, inF: number, outF: number, bias: boolean, std: number) => {
    specs.push({ name: `${name}.weight`, shape: [outF, inF], role: 'linear', init: truncated(std) });
    if (bias) specs.push({ name: `${name}.bias`, shape: [outF], role: 'bias', init: { kind: 'zeros' } });
  };
  const norm = (name: string) => {
    specs.push({ name: `${name}.weight`, shape: [h], role: 'norm', init: { kind: 'ones' } });
    if (config.normBias)
      specs.push({ name: `${name}.bias`, shape: [h], role: 'norm', init: { kind: 'zeros' } });
  };
  specs.push({
    name: `${p}embeddings.tok_embeddings.weight`,
    shape: [vocabSize, h],
    role: 'embedding',
    init: truncated(stds.embedding),
    paddingIdx: config.padTokenId,
  });
  norm(`${p}embeddings.norm`);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const l = `${p}layers.${i}.`;
    if (i > 0) norm(`${l}attn_norm`);
    linear(`${l}attn.Wqkv`, h, 3 * h, config.attentionBias, stds.in);
    linear(`${l}attn.Wo`, h, h, config.attentionBias, stds.out);
    norm(`${l}mlp_norm`);
    linear(`${l}mlp.Wi`, h, 2 * inner, config.mlpBias, stds.in);
    linear(`${l}mlp.Wo`, inner, h, config.mlpBias, stds.out);
  }
  norm(`${p}final_norm`);
  if (task === 'base') return specs;
  linear('head.dense', h, h, config.classifierBias, stds.out);
  norm('head.norm');
  if (task === 'masked-lm') {
    if (!config.tieWordEmbeddings)
      specs.push({
        name: 'decoder.weight',
        shape: [vocabSize, h],
        role: 'linear',
        init: truncated(stds.out),
      });
    if (config.decoderBias)
      specs.push({ name: 'decoder.bias', shape: [vocabSize], role: 'bias', init: { kind: 'zeros' } });
  } else {
    // The classifier always has a bias; classifier_bias applies to head.dense only.
    linear('classifier', h, config.numLabels, true, stds.finalOut);
  }
  return specs;
}

/** The MLM decoder weight: the token embeddings when tied (`tie_word_embeddings`), else its own table. */
function decoderWeight(config: ModernBertConfig, prefix: string): string {
  return config.tieWordEmbeddings ? `${prefix}embeddings.tok_embeddings.weight` : 'decoder.weight';
}

function tiedWeights(config: ModernBertConfig, task: Task): Map<string, string> {
  const tied = new Map<string, string>();
  if (task === 'masked-lm' && config.tieWordEmbeddings)
    tied.set('decoder.weight', decoderWeight(config, backbonePrefix(modernBert, task)));
  return tied;
}

function bias(has: boolean, name: string): string | undefined {
  return has ? name : undefined;
}

/** The attention of layer `i`: global (full, global RoPE base) or local (sliding window, local RoPE base). */
function attentionSpec(config: ModernBertConfig, i: number): AttentionSpec {
  const global = config.layerTypes[i] === 'full_attention';
  return {
    numHeads: config.numAttentionHeads,
    headDim: config.hiddenSize / config.numAttentionHeads,
    window: global
      ? { kind: 'full' }
      : { kind: 'sliding', halfWindow: Math.floor(config.localAttention / 2) },
    rope: { theta: global ? config.globalRopeTheta : config.localRopeTheta },
    dropout: config.attentionDropout,
  };
}

/**
 * ModernBertEncoderLayer as two pre-norm blocks: h + attn(attn_norm(h)) (layer 0 has no attn_norm), then
 * h + mlp(mlp_norm(h)), the MLP a GeGLU: Wo(drop(act(input) · gate)) with (input, gate) = Wi(x).
 */
function layerBlocks<T>(
  ops: EncoderOps<T>,
  config: ModernBertConfig,
  prefix: string,
  i: number,
): EncoderBlock<T>[] {
  const spec = attentionSpec(config, i);
  const norm = (x: T, name: string) =>
    ops.layerNorm(
      x,
      `${prefix}${name}.weight`,
      bias(config.normBias, `${prefix}${name}.bias`),
      config.normEps,
    );
  const projection = (name: string, has: boolean) => ({
    weight: `${prefix}${name}.weight`,
    bias: bias(has, `${prefix}${name}.bias`),
  });
  return [
    {
      params: [`${prefix}attn_norm.`, `${prefix}attn.`],
      attention: spec,
      run: (x) => {
        const normed = i === 0 ? x : norm(x, 'attn_norm');
        const context = ops.attention(normed, { fused: projection('attn.Wqkv', config.attentionBias) }, spec);
        return ops.add(
          x,
          ops.dropout(
            ops.linear(context, projection('attn.Wo', config.attentionBias)),
            config.attentionDropout,
          ),
        );
      },
    },
    {
      params: [`${prefix}mlp_norm.`, `${prefix}mlp.`],
      run: (x) => {
        const gated = ops.gatedActivation(
          ops.linear(norm(x, 'mlp_norm'), projection('mlp.Wi', config.mlpBias)),
          config.hiddenActivation,
        );
        return ops.add(
          x,
          ops.linear(ops.dropout(gated, config.mlpDropout), projection('mlp.Wo', config.mlpBias)),
        );
      },
    },
  ];
}

/** ModernBertModel + the task head: …ForMaskedLM, …ForSequenceClassification, …ForTokenClassification. */
function forward<T>(ops: EncoderOps<T>, config: ModernBertConfig, task: Task): ForwardResult<T> {
  const p = backbonePrefix(modernBert, task);
  const norm = (x: T, name: string) =>
    ops.layerNorm(x, `${name}.weight`, bias(config.normBias, `${name}.bias`), config.normEps);
  // ModernBertEmbeddings: LayerNorm(tok_embeddings(ids)), dropout; positions come from RoPE in attention.
  const embedded = ops.dropout(
    norm(ops.embed(`${p}embeddings.tok_embeddings.weight`, 'tokens'), `${p}embeddings.norm`),
    config.embeddingDropout,
  );
  const blocks = config.layerTypes.flatMap((_, i) => layerBlocks(ops, config, `${p}layers.${i}.`, i));
  const outputs = ops.blocks(embedded, blocks);
  // transformers' hidden_states: the embeddings, then each layer's output; the last is taken before final_norm.
  const hiddenStates = [embedded, ...outputs.filter((_, i) => i % 2 === 1)];
  const hidden = norm(outputs[outputs.length - 1] ?? embedded, `${p}final_norm`);
  const result: ForwardResult<T> = { hidden, hiddenStates };
  if (task === 'base') return result;
  // ModernBertPredictionHead: norm(act(dense(x))).
  const head = (x: T) =>
    norm(
      ops.activation(
        ops.linear(x, { weight: 'head.dense.weight', bias: bias(config.classifierBias, 'head.dense.bias') }),
        config.classifierActivation,
      ),
      'head.norm',
    );
  const classifier = { weight: 'classifier.weight', bias: 'classifier.bias' };
  if (task === 'masked-lm') {
    result.logits = ops.linear(head(hidden), {
      weight: decoderWeight(config, p),
      bias: bias(config.decoderBias, 'decoder.bias'),
    });
  } else if (task === 'sequence-classification') {
    const pooled = head(ops.pool(hidden, config.classifierPooling));
    result.logits = ops.linear(ops.dropout(pooled, config.classifierDropout), classifier);
  } else {
    result.logits = ops.linear(ops.dropout(head(hidden), config.classifierDropout), classifier);
  }
  return result;
}

function forwardFlops(config: ModernBertConfig, batch: number, length: number): number {
  const { hiddenSize: h, intermediateSize: inner } = config;
  // Wqkv, Wo; GeGLU Wi (2I) and Wo.
  const projections = 4 * h * h + 3 * h * inner;
  let total = 0;
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const { window } = attentionSpec(config, i);
    const pairs = attendedPairs(length, window.kind === 'sliding' ? window.halfWindow : null);
    total += 2 * batch * length * projections + 2 * 2 * batch * pairs * h;
  }
  return total;
}

export const modernBert: Family<ModernBertConfig> = {
  modelType: 'modernbert',
  classPrefix: 'ModernBert',
  backbonePrefix: 'model.',
  parseConfig,
  usesTokenTypes: false,
  parameters,
  tiedWeights,
  ignoredOnLoad: () => false,
  initialisedLikeHead: () => false,
  forwardFlops,
  forward,
};
