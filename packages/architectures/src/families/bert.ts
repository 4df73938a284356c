import type { Activation, ConfigReader, EncoderConfigBase } from '../config-reader.js';
import { attendedPairs, backbonePrefix, type Family, type Init, type ParameterSpec } from '../family.js';
import type { AttentionSpec, EncoderBlock, EncoderOps, ForwardResult, Projection } from '../ops.js';
import type { Task } from '../task.js';

/** BERT (Devlin et al.; Bio_ClinicalBERT, BioBERT): post-norm layers with biases, absolute positions, tanh pooler. */
export interface BertConfig extends EncoderConfigBase {
  modelType: 'bert';
  hiddenAct: Activation;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  classifierDropout: number | null;
  typeVocabSize: number;
  layerNormEps: number;
  /** The MLM decoder shares the word embedding table (PretrainedConfig default true). */
  tieWordEmbeddings: boolean;
}

function parseConfig(reader: ConfigReader, base: EncoderConfigBase): BertConfig {
  reader.requireValue(
    'position_embedding_type',
    ['absolute'],
    'only absolute position embeddings are implemented',
  );
  reader.requireValue('is_decoder', [false], 'bcmb runs BERT as a bidirectional encoder');
  reader.requireValue('add_cross_attention', [false], 'cross-attention is not implemented');
  return {
    ...base,
    modelType: 'bert',
    hiddenAct: reader.activation('hidden_act', 'gelu'),
    hiddenDropoutProb: reader.number('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: reader.number('attention_probs_dropout_prob', 0.1),
    classifierDropout: reader.nullableNumber('classifier_dropout'),
    typeVocabSize: reader.integer('type_vocab_size', 2),
    // BertConfig default layer_norm_eps.
    layerNormEps: reader.number('layer_norm_eps', 1e-12),
    tieWordEmbeddings: reader.boolean('tie_word_embeddings', true),
  };
}

/** BertPreTrainedModel._init_weights: N(0, initializer_range) for Linear and Embedding weights. */
function normal(config: BertConfig): Extract<Init, { kind: 'normal' }> {
  return { kind: 'normal', std: config.initializerRange };
}

/** BertForMaskedLM and BertForTokenClassification build BertModel(add_pooling_layer=False). */
function hasPooler(task: Task): boolean {
  return task === 'base' || task === 'sequence-classification' || task === 'pretraining';
}

/** The MLM head: BertForMaskedLM's, and BertForPreTraining's next to the NSP head. */
function hasMlmHead(task: Task): boolean {
  return task === 'masked-lm' || task === 'pretraining';
}

/** BertForPreTraining's next-sentence classifier on the pooled output (2 classes: is next, is random). */
const NSP = 'cls.seq_relationship';

const MLM = 'cls.predictions.';

/** The MLM decoder weight: the word embeddings when tied, else its own `[vocab, H]` table. */
function decoderWeight(config: BertConfig, prefix: string): string {
  return config.tieWordEmbeddings ? `${prefix}embeddings.word_embeddings.weight` : `${MLM}decoder.weight`;
}

function parameters(config: BertConfig, task: Task): ParameterSpec[] {
  const p = backbonePrefix(bert, task);
  const { hiddenSize: h, intermediateSize: inner, vocabSize } = config;
  const specs: ParameterSpec[] = [];
  const linear = (name: string, inF: number, outF: number) =>
    specs.push(
      { name: `${name}.weight`, shape: [outF, inF], role: 'linear', init: normal(config) },
      { name: `${name}.bias`, shape: [outF], role: 'bias', init: { kind: 'zeros' } },
    );
  const norm = (name: string) =>
    specs.push(
      { name: `${name}.weight`, shape: [h], role: 'norm', init: { kind: 'ones' } },
      { name: `${name}.bias`, shape: [h], role: 'norm', init: { kind: 'zeros' } },
    );
  const e = `${p}embeddings.`;
  specs.push(
    {
      name: `${e}word_embeddings.weight`,
      shape: [vocabSize, h],
      role: 'embedding',
      init: { ...normal(config), zeroRow: config.padTokenId },
      paddingIdx: config.padTokenId,
    },
    {
      name: `${e}position_embeddings.weight`,
      shape: [config.maxPositionEmbeddings, h],
      role: 'embedding',
      init: normal(config),
    },
    {
      name: `${e}token_type_embeddings.weight`,
      shape: [config.typeVocabSize, h],
      role: 'embedding',
      init: normal(config),
    },
  );
  norm(`${e}LayerNorm`);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const l = `${p}encoder.layer.${i}.`;
    for (const part of ['query', 'key', 'value']) linear(`${l}attention.self.${part}`, h, h);
    linear(`${l}attention.output.dense`, h, h);
    norm(`${l}attention.output.LayerNorm`);
    linear(`${l}intermediate.dense`, h, inner);
    linear(`${l}output.dense`, inner, h);
    norm(`${l}output.LayerNorm`);
  }
  if (hasPooler(task)) linear(`${p}pooler.dense`, h, h);
  if (hasMlmHead(task)) {
    linear(`${MLM}transform.dense`, h, h);
    norm(`${MLM}transform.LayerNorm`);
    if (!config.tieWordEmbeddings)
      specs.push({
        name: `${MLM}decoder.weight`,
        shape: [vocabSize, h],
        role: 'linear',
        init: normal(config),
      });
    specs.push({ name: `${MLM}bias`, shape: [vocabSize], role: 'bias', init: { kind: 'zeros' } });
    if (task === 'pretraining') linear(NSP, h, 2);
  } else if (task === 'sequence-classification' || task === 'token-classification') {
    linear('classifier', h, config.numLabels);
  }
  return specs;
}

function tiedWeights(config: BertConfig, task: Task): Map<string, string> {
  const tied = new Map<string, string>();
  if (!hasMlmHead(task)) return tied;
  if (config.tieWordEmbeddings)
    tied.set(`${MLM}decoder.weight`, decoderWeight(config, backbonePrefix(bert, task)));
  // BertLMPredictionHead: self.decoder.bias = self.bias, whatever the embeddings.
  tied.set(`${MLM}decoder.bias`, `${MLM}bias`);
  return tied;
}

function dense(name: string): Projection {
  return { weight: `${name}.weight`, bias: `${name}.bias` };
}

/** BertSelfOutput and BertOutput: LayerNorm(dropout(dense(x)) + residual). */
function residualOutput<T>(ops: EncoderOps<T>, config: BertConfig, x: T, residual: T, prefix: string): T {
  const projected = ops.dropout(ops.linear(x, dense(`${prefix}dense`)), config.hiddenDropoutProb);
  return ops.layerNorm(
    ops.add(projected, residual),
    `${prefix}LayerNorm.weight`,
    `${prefix}LayerNorm.bias`,
    config.layerNormEps,
  );
}

/** Post-norm layer as two blocks: LN(x + attn(x)), then LN(h + output(act(intermediate(h)))). */
function layerBlocks<T>(ops: EncoderOps<T>, config: BertConfig, prefix: string): EncoderBlock<T>[] {
  const spec: AttentionSpec = {
    numHeads: config.numAttentionHeads,
    headDim: config.hiddenSize / config.numAttentionHeads,
    window: { kind: 'full' },
    dropout: config.attentionProbsDropoutProb,
  };
  const self = `${prefix}attention.self.`;
  return [
    {
      params: [`${prefix}attention.`],
      attention: spec,
      run: (x) => {
        const context = ops.attention(
          x,
          { query: dense(`${self}query`), key: dense(`${self}key`), value: dense(`${self}value`) },
          spec,
        );
        return residualOutput(ops, config, context, x, `${prefix}attention.output.`);
      },
    },
    {
      params: [`${prefix}intermediate.`, `${prefix}output.`],
      run: (x) => {
        const inner = ops.activation(ops.linear(x, dense(`${prefix}intermediate.dense`)), config.hiddenAct);
        return residualOutput(ops, config, inner, x, `${prefix}output.`);
      },
    },
  ];
}

/**
 * BertModel + the task head: BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification,
 * BertForPreTraining (MLM logits per token and next-sentence logits on the pooler, no dropout before either).
 */
function forward<T>(ops: EncoderOps<T>, config: BertConfig, task: Task): ForwardResult<T> {
  const p = backbonePrefix(bert, task);
  const e = `${p}embeddings.`;
  // BertEmbeddings: (words + token types) + positions, LayerNorm, dropout.
  const summed = ops.add(
    ops.add(
      ops.embed(`${e}word_embeddings.weight`, 'tokens'),
      ops.embed(`${e}token_type_embeddings.weight`, 'token-types'),
    ),
    ops.embed(`${e}position_embeddings.weight`, 'positions'),
  );
  const embedded = ops.dropout(
    ops.layerNorm(summed, `${e}LayerNorm.weight`, `${e}LayerNorm.bias`, config.layerNormEps),
    config.hiddenDropoutProb,
  );
  const blocks = Array.from({ length: config.numHiddenLayers }, (_, i) =>
    layerBlocks(ops, config, `${p}encoder.layer.${i}.`),
  ).flat();
  const outputs = ops.blocks(embedded, blocks);
  const hidden = outputs[outputs.length - 1] ?? embedded;
  const result: ForwardResult<T> = {
    hidden,
    hiddenStates: [embedded, ...outputs.filter((_, i) => i % 2 === 1)],
  };
  if (hasPooler(task)) {
    result.pooled = ops.activation(ops.linear(ops.pool(hidden, 'cls'), dense(`${p}pooler.dense`)), 'tanh');
  }
  const classifierDropout = config.classifierDropout ?? config.hiddenDropoutProb;
  if (hasMlmHead(task)) {
    const transformed = ops.layerNorm(
      ops.activation(ops.linear(hidden, dense(`${MLM}transform.dense`)), config.hiddenAct),
      `${MLM}transform.LayerNorm.weight`,
      `${MLM}transform.LayerNorm.bias`,
      config.layerNormEps,
    );
    result.logits = ops.linear(transformed, { weight: decoderWeight(config, p), bias: `${MLM}bias` });
    if (task === 'pretraining') result.seqRelationshipLogits = ops.linear(result.pooled as T, dense(NSP));
  } else if (task === 'sequence-classification') {
    result.logits = ops.linear(ops.dropout(result.pooled as T, classifierDropout), dense('classifier'));
  } else if (task === 'token-classification') {
    result.logits = ops.linear(ops.dropout(hidden, classifierDropout), dense('classifier'));
  }
  return result;
}

function forwardFlops(config: BertConfig, batch: number, length: number): number {
  const { hiddenSize: h, intermediateSize: inner } = config;
  // q, k, v, attention output; intermediate and output.
  const projections = 4 * h * h + 2 * h * inner;
  const perLayer = 2 * batch * length * projections + 2 * 2 * batch * attendedPairs(length, null) * h;
  return config.numHiddenLayers * perLayer;
}

export const bert: Family<BertConfig> = {
  modelType: 'bert',
  classPrefix: 'Bert',
  backbonePrefix: 'bert.',
  // 2019-era BERT configs (Bio_ClinicalBERT's) carry neither model_type nor architectures.
  legacyConfigKeys: ['type_vocab_size', 'hidden_act'],
  parseConfig,
  usesTokenTypes: true,
  parameters,
  tiedWeights,
  // BertForMaskedLM / BertForTokenClassification: _keys_to_ignore_on_load_unexpected = [r"pooler"].
  // BertForMaskedLM loading a BertForPreTraining checkpoint drops its NSP head too.
  ignoredOnLoad: (key, task) =>
    (!hasPooler(task) && key.includes('pooler')) || (task === 'masked-lm' && key.startsWith(`${NSP}.`)),
  // Checkpoints saved without a pooler (add_pooling_layer=False) are common; transformers initialises it.
  initialisedLikeHead: (name, task) => name.startsWith(`${backbonePrefix(bert, task)}pooler.`),
  forwardFlops,
  forward,
};
