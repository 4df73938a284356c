import * as tf from '@tensorflow/tfjs-core';
import { selfAttention } from '../attention.js';
import { paddingMask } from '../attention-mask.js';
import { type CheckpointMode, type EncoderBlock, runBlocks } from '../checkpoint.js';
import type { BertConfig } from '../config.js';
import { flatIds, tiedDecoder } from '../heads.js';
import {
  type EncodedSequence,
  EncoderForTask,
  type HeadOutput,
  type ModelInputs,
  type Task,
} from '../model.js';
import {
  activate,
  dropout,
  Embedding,
  type Init,
  LayerNorm,
  Linear,
  linear,
  ParameterSet,
  type WeightSource,
} from '../nn.js';

/** BertPreTrainedModel._init_weights: N(0, initializer_range) for Linear and Embedding weights. */
function normalInit(config: BertConfig): Init {
  return { kind: 'normal', std: config.initializerRange };
}

function dense(params: ParameterSet, name: string, inF: number, outF: number, config: BertConfig): Linear {
  return new Linear(params, name, inF, outF, { bias: true, init: normalInit(config) });
}

/** word + token_type + position embeddings, then LayerNorm and dropout. */
class BertEmbeddings {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;

  constructor(
    params: ParameterSet,
    prefix: string,
    private readonly config: BertConfig,
  ) {
    const { vocabSize, hiddenSize, maxPositionEmbeddings, typeVocabSize, padTokenId } = config;
    const init = normalInit(config);
    this.wordEmbeddings = new Embedding(
      params,
      `${prefix}word_embeddings`,
      vocabSize,
      hiddenSize,
      { kind: 'normal', std: config.initializerRange, zeroRow: padTokenId },
      padTokenId,
    );
    this.positionEmbeddings = new Embedding(
      params,
      `${prefix}position_embeddings`,
      maxPositionEmbeddings,
      hiddenSize,
      init,
      null,
    );
    this.tokenTypeEmbeddings = new Embedding(
      params,
      `${prefix}token_type_embeddings`,
      typeVocabSize,
      hiddenSize,
      init,
      null,
    );
    this.layerNorm = new LayerNorm(params, `${prefix}LayerNorm`, hiddenSize, config.layerNormEps, true);
  }

  /** [B·L, H] embeddings; positions 0..L-1 in every row. */
  apply(inputIds: tf.Tensor2D, tokenTypeIds: tf.Tensor2D | undefined, training: boolean): tf.Tensor2D {
    const [batch, length] = inputIds.shape;
    const hidden = this.config.hiddenSize;
    const words = tf.reshape(this.wordEmbeddings.lookup(flatIds(inputIds)), [batch, length, hidden]);
    const tokenTypes = tokenTypeIds
      ? tf.reshape(this.tokenTypeEmbeddings.lookup(flatIds(tokenTypeIds)), [batch, length, hidden])
      : tf.slice(this.tokenTypeEmbeddings.weight, [0, 0], [1, hidden]);
    const positions = tf.slice(this.positionEmbeddings.weight, [0, 0], [length, hidden]);
    const summed = tf.add(tf.add(words, tokenTypes), positions);
    const normed = this.layerNorm.apply(tf.reshape(summed, [batch * length, hidden]) as tf.Tensor2D);
    return dropout(normed, this.config.hiddenDropoutProb, training);
  }
}

/** attention.self.{query,key,value} run as one GEMM on their concatenated kernels. */
class BertSelfAttention {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;

  constructor(
    params: ParameterSet,
    prefix: string,
    private readonly config: BertConfig,
  ) {
    const h = config.hiddenSize;
    this.query = dense(params, `${prefix}query`, h, h, config);
    this.key = dense(params, `${prefix}key`, h, h, config);
    this.value = dense(params, `${prefix}value`, h, h, config);
  }

  apply(hidden: tf.Tensor2D, mask: tf.Tensor4D, batch: number, training: boolean): tf.Tensor2D {
    const { numAttentionHeads, hiddenSize, attentionProbsDropoutProb } = this.config;
    const kernel = tf.concat([this.query.kernel, this.key.kernel, this.value.kernel], 1) as tf.Tensor2D;
    const bias = tf.concat([this.query.bias!, this.key.bias!, this.value.bias!]);
    const qkv = linear(hidden, kernel, bias);
    const length = hidden.shape[0] / batch;
    return selfAttention(
      qkv,
      { batch, length, numHeads: numAttentionHeads, headDim: hiddenSize / numAttentionHeads },
      { mask, dropoutRate: attentionProbsDropoutProb, training },
    );
  }
}

/** dense → dropout → LayerNorm(x + residual): BertSelfOutput and BertOutput. */
class BertResidualOutput {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(
    params: ParameterSet,
    prefix: string,
    inFeatures: number,
    private readonly config: BertConfig,
  ) {
    this.dense = dense(params, `${prefix}dense`, inFeatures, config.hiddenSize, config);
    this.layerNorm = new LayerNorm(
      params,
      `${prefix}LayerNorm`,
      config.hiddenSize,
      config.layerNormEps,
      true,
    );
  }

  apply(x: tf.Tensor2D, residual: tf.Tensor2D, training: boolean): tf.Tensor2D {
    const projected = dropout(this.dense.apply(x), this.config.hiddenDropoutProb, training);
    return this.layerNorm.apply(tf.add(projected, residual));
  }
}

/** Post-norm layer: LN(x + attn(x)), then LN(h + out(act(intermediate(h)))), as two blocks. */
class BertLayer {
  readonly selfAttention: BertSelfAttention;
  readonly attentionOutput: BertResidualOutput;
  readonly intermediate: Linear;
  readonly output: BertResidualOutput;

  constructor(
    params: ParameterSet,
    prefix: string,
    private readonly config: BertConfig,
  ) {
    this.selfAttention = new BertSelfAttention(params, `${prefix}attention.self.`, config);
    this.attentionOutput = new BertResidualOutput(
      params,
      `${prefix}attention.output.`,
      config.hiddenSize,
      config,
    );
    this.intermediate = dense(
      params,
      `${prefix}intermediate.dense`,
      config.hiddenSize,
      config.intermediateSize,
      config,
    );
    this.output = new BertResidualOutput(params, `${prefix}output.`, config.intermediateSize, config);
  }

  /** LN(x + attn(x)): the first of the layer's two blocks (each checkpointed on its own). */
  attentionBlock(hidden: tf.Tensor2D, mask: tf.Tensor4D, batch: number, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const context = this.selfAttention.apply(hidden, mask, batch, training);
      return this.attentionOutput.apply(context, hidden, training);
    });
  }

  /** LN(h + out(act(intermediate(h)))). */
  feedForwardBlock(attended: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const inner = activate(this.intermediate.apply(attended), this.config.hiddenAct) as tf.Tensor2D;
      return this.output.apply(inner, attended, training);
    });
  }
}

/** tanh(dense(h[:, 0])). */
class BertPooler {
  readonly dense: Linear;

  constructor(params: ParameterSet, prefix: string, config: BertConfig) {
    this.dense = dense(params, `${prefix}dense`, config.hiddenSize, config.hiddenSize, config);
  }

  apply(sequence: tf.Tensor3D): tf.Tensor2D {
    const [batch, , size] = sequence.shape;
    const first = tf.reshape(tf.slice(sequence, [0, 0, 0], [batch, 1, size]), [batch, size]) as tf.Tensor2D;
    return tf.tanh(this.dense.apply(first));
  }
}

/** cls.predictions: transform (dense → act → LayerNorm), then the decoder tied to the word embeddings + bias. */
class BertLMPredictionHead {
  readonly transformDense: Linear;
  readonly transformNorm: LayerNorm;
  readonly bias: tf.Variable;

  constructor(
    params: ParameterSet,
    private readonly config: BertConfig,
    private readonly wordEmbeddings: tf.Variable,
  ) {
    const h = config.hiddenSize;
    this.transformDense = dense(params, 'cls.predictions.transform.dense', h, h, config);
    this.transformNorm = new LayerNorm(
      params,
      'cls.predictions.transform.LayerNorm',
      h,
      config.layerNormEps,
      true,
    );
    this.bias = params.create('cls.predictions.bias', [config.vocabSize], { kind: 'zeros' });
  }

  apply(hidden: tf.Tensor2D): tf.Tensor2D {
    const transformed = this.transformNorm.apply(
      activate(this.transformDense.apply(hidden), this.config.hiddenAct) as tf.Tensor2D,
    );
    return tiedDecoder(transformed, this.wordEmbeddings, this.bias);
  }
}

/** BertModel / BertForMaskedLM / BertForSequenceClassification / BertForTokenClassification. */
export class BertForTask extends EncoderForTask<BertConfig> {
  readonly embeddings: BertEmbeddings;
  readonly layers: BertLayer[];
  readonly pooler: BertPooler | null;
  readonly lmHead: BertLMPredictionHead | null = null;
  readonly classifier: Linear | null = null;

  constructor(config: BertConfig, task: Task, params: ParameterSet = new ParameterSet()) {
    super(config, task, params, { classPrefix: 'Bert', basePrefix: 'bert.' });
    const p = this.basePrefix;
    this.embeddings = new BertEmbeddings(params, `${p}embeddings.`, config);
    this.layers = Array.from(
      { length: config.numHiddenLayers },
      (_, i) => new BertLayer(params, `${p}encoder.layer.${i}.`, config),
    );
    // BertForMaskedLM and BertForTokenClassification build BertModel(add_pooling_layer=False).
    const hasPooler = task === 'base' || task === 'sequence-classification';
    this.pooler = hasPooler ? new BertPooler(params, `${p}pooler.`, config) : null;
    if (task === 'masked-lm') {
      this.lmHead = new BertLMPredictionHead(params, config, this.embeddings.wordEmbeddings.weight);
      this.tiedWeights.set('cls.predictions.decoder.weight', `${p}embeddings.word_embeddings.weight`);
      this.tiedWeights.set('cls.predictions.decoder.bias', 'cls.predictions.bias');
    } else if (task === 'sequence-classification' || task === 'token-classification') {
      this.classifier = dense(params, 'classifier', config.hiddenSize, config.numLabels, config);
    }
  }

  protected encode(
    inputs: ModelInputs,
    attentionMask: tf.Tensor2D,
    training: boolean,
    checkpoint: CheckpointMode,
  ): EncodedSequence {
    const mask = paddingMask(attentionMask);
    const batch = inputs.inputIds.shape[0];
    const embedded = this.embeddings.apply(inputs.inputIds, inputs.tokenTypeIds, training);
    const blocks = this.layers.flatMap((layer, i): EncoderBlock[] => {
      const weights =
        (...parts: string[]) =>
        () =>
          parts.flatMap((part) => this.params.under(`${this.basePrefix}encoder.layer.${i}.${part}.`));
      return [
        {
          run: (x, [m]) => layer.attentionBlock(x, m as tf.Tensor4D, batch, training),
          constants: [mask],
          weights: weights('attention'),
        },
        {
          run: (x) => layer.feedForwardBlock(x, training),
          constants: [],
          weights: weights('intermediate', 'output'),
        },
      ];
    });
    const outputs = runBlocks(blocks, embedded, checkpoint);
    // Hidden states are the layer outputs: every second block's.
    const hiddenStates = [embedded, ...outputs.filter((_, i) => i % 2 === 1)];
    return { hidden: outputs[outputs.length - 1]!, hiddenStates };
  }

  protected applyHead(
    hidden: tf.Tensor2D,
    sequence: tf.Tensor3D,
    _attentionMask: tf.Tensor2D,
    training: boolean,
  ): HeadOutput {
    const [batch, length] = sequence.shape;
    const poolerOutput = this.pooler?.apply(sequence);
    const classifierDropout = this.config.classifierDropout ?? this.config.hiddenDropoutProb;
    if (this.lmHead) {
      return { logits: tf.reshape(this.lmHead.apply(hidden), [batch, length, this.config.vocabSize]) };
    }
    if (!this.classifier) return { poolerOutput };
    if (this.task === 'sequence-classification') {
      return {
        poolerOutput,
        logits: this.classifier.apply(dropout(poolerOutput!, classifierDropout, training)),
      };
    }
    const logits = this.classifier.apply(dropout(hidden, classifierDropout, training));
    return { logits: tf.reshape(logits, [batch, length, this.config.numLabels]) };
  }
}

export function createBert(config: BertConfig, task: Task, source?: WeightSource): BertForTask {
  return new BertForTask(config, task, new ParameterSet(source));
}
