import * as tf from '@tensorflow/tfjs-core';
import { selfAttention } from '../attention.js';
import { blockedSlidingWindowMask, paddingMask, slidingWindowMask } from '../attention-mask.js';
import { type CheckpointMode, type EncoderBlock, type LayerRun, runBlocks } from '../checkpoint.js';
import type { AttentionType, ModernBertConfig } from '../config.js';
import { flatIds, poolSequence, tiedDecoder } from '../heads.js';
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
  ParameterSet,
  type WeightSource,
} from '../nn.js';
import { type QkvRope, qkvRopeTables } from '../rope.js';

/** Sequences longer than this many windows run sliding-window layers block by block (same result). */
const BLOCKED_WINDOW_MIN_RATIO = 4;

/** ModernBertPreTrainedModel._init_weights standard deviations (truncated normal). */
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

function norm(params: ParameterSet, name: string, config: ModernBertConfig): LayerNorm {
  return new LayerNorm(params, name, config.hiddenSize, config.normEps, config.normBias);
}

/** LayerNorm(tok_embeddings(ids)), then dropout; no position embeddings (RoPE is applied in attention). */
class ModernBertEmbeddings {
  readonly tokEmbeddings: Embedding;
  readonly norm: LayerNorm;

  constructor(
    params: ParameterSet,
    prefix: string,
    private readonly config: ModernBertConfig,
  ) {
    this.tokEmbeddings = new Embedding(
      params,
      `${prefix}tok_embeddings`,
      config.vocabSize,
      config.hiddenSize,
      truncated(initStds(config).embedding),
      config.padTokenId,
    );
    this.norm = norm(params, `${prefix}norm`, config);
  }

  apply(inputIds: tf.Tensor2D, training: boolean): tf.Tensor2D {
    const normed = this.norm.apply(this.tokEmbeddings.lookup(flatIds(inputIds)));
    return dropout(normed, this.config.embeddingDropout, training);
  }
}

/** Per-forward inputs every layer of one attention type shares. */
interface AttentionContext {
  batch: number;
  mask: tf.Tensor;
  /** Set when sliding-window attention runs in blocks of this many queries. */
  window?: number;
  rope: QkvRope;
}

/** Fused Wqkv → RoPE → scaled dot-product attention (global or sliding window mask) → Wo. */
class ModernBertAttention {
  readonly Wqkv: Linear;
  readonly Wo: Linear;

  constructor(
    params: ParameterSet,
    prefix: string,
    private readonly config: ModernBertConfig,
  ) {
    const h = config.hiddenSize;
    const stds = initStds(config);
    this.Wqkv = new Linear(params, `${prefix}Wqkv`, h, 3 * h, {
      bias: config.attentionBias,
      init: truncated(stds.in),
    });
    this.Wo = new Linear(params, `${prefix}Wo`, h, h, {
      bias: config.attentionBias,
      init: truncated(stds.out),
    });
  }

  apply(hidden: tf.Tensor2D, context: AttentionContext, training: boolean): tf.Tensor2D {
    const { numAttentionHeads, hiddenSize, attentionDropout } = this.config;
    const length = hidden.shape[0] / context.batch;
    const attended = selfAttention(
      this.Wqkv.apply(hidden),
      { batch: context.batch, length, numHeads: numAttentionHeads, headDim: hiddenSize / numAttentionHeads },
      {
        mask: context.mask,
        window: context.window,
        rope: context.rope,
        dropoutRate: attentionDropout,
        training,
      },
    );
    return dropout(this.Wo.apply(attended), attentionDropout, training);
  }
}

/** GeGLU: Wi → (input, gate) halves → Wo(drop(act(input) · gate)). */
class ModernBertMLP {
  readonly Wi: Linear;
  readonly Wo: Linear;

  constructor(
    params: ParameterSet,
    prefix: string,
    private readonly config: ModernBertConfig,
  ) {
    const { hiddenSize: h, intermediateSize: i, mlpBias } = config;
    const stds = initStds(config);
    this.Wi = new Linear(params, `${prefix}Wi`, h, 2 * i, { bias: mlpBias, init: truncated(stds.in) });
    this.Wo = new Linear(params, `${prefix}Wo`, i, h, { bias: mlpBias, init: truncated(stds.out) });
  }

  apply(hidden: tf.Tensor2D, training: boolean): tf.Tensor2D {
    const projected = this.Wi.apply(hidden);
    const [rows, width] = [projected.shape[0], this.config.intermediateSize];
    // Two slices rather than tf.split, whose wasm kernel copies the whole input per output.
    const input = tf.slice(projected, [0, 0], [rows, width]);
    const gate = tf.slice(projected, [0, width], [rows, width]);
    const gated = tf.mul(activate(input, this.config.hiddenActivation), gate) as tf.Tensor2D;
    return this.Wo.apply(dropout(gated, this.config.mlpDropout, training));
  }
}

/** Pre-norm layer: h + attn(attn_norm(h)), then h + mlp(mlp_norm(h)). Layer 0 has no attn_norm (Identity). */
class ModernBertEncoderLayer {
  readonly attnNorm: LayerNorm | null;
  readonly attn: ModernBertAttention;
  readonly mlpNorm: LayerNorm;
  readonly mlp: ModernBertMLP;

  constructor(
    params: ParameterSet,
    prefix: string,
    layerId: number,
    config: ModernBertConfig,
    readonly attentionType: AttentionType,
  ) {
    this.attnNorm = layerId === 0 ? null : norm(params, `${prefix}attn_norm`, config);
    this.attn = new ModernBertAttention(params, `${prefix}attn.`, config);
    this.mlpNorm = norm(params, `${prefix}mlp_norm`, config);
    this.mlp = new ModernBertMLP(params, `${prefix}mlp.`, config);
  }

  /** h + attn(attn_norm(h)): the first of the layer's two blocks (each checkpointed on its own). */
  attentionBlock(hidden: tf.Tensor2D, context: AttentionContext, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const normed = this.attnNorm ? this.attnNorm.apply(hidden) : hidden;
      return tf.add(hidden, this.attn.apply(normed, context, training)) as tf.Tensor2D;
    });
  }

  /** h + mlp(mlp_norm(h)). */
  mlpBlock(attended: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.tidy(
      () => tf.add(attended, this.mlp.apply(this.mlpNorm.apply(attended), training)) as tf.Tensor2D,
    );
  }
}

/** norm(act(dense(x))): ModernBertPredictionHead, shared by the MLM and classification heads. */
class ModernBertPredictionHead {
  readonly dense: Linear;
  readonly norm: LayerNorm;

  constructor(
    params: ParameterSet,
    private readonly config: ModernBertConfig,
  ) {
    const h = config.hiddenSize;
    this.dense = new Linear(params, 'head.dense', h, h, {
      bias: config.classifierBias,
      init: truncated(initStds(config).out),
    });
    this.norm = norm(params, 'head.norm', config);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.norm.apply(activate(this.dense.apply(x), this.config.classifierActivation) as tf.Tensor2D);
  }
}

/** ModernBertModel / ModernBertForMaskedLM / ModernBertForSequenceClassification / ModernBertForTokenClassification. */
export class ModernBertForTask extends EncoderForTask<ModernBertConfig> {
  readonly embeddings: ModernBertEmbeddings;
  readonly layers: ModernBertEncoderLayer[];
  readonly finalNorm: LayerNorm;
  readonly head: ModernBertPredictionHead | null = null;
  /** MLM decoder: its weight is the token embedding table when tied, else its own [vocab, H] table. */
  readonly decoderWeight: tf.Variable | null = null;
  readonly decoderBias: tf.Variable | null = null;
  readonly classifier: Linear | null = null;

  constructor(config: ModernBertConfig, task: Task, params: ParameterSet = new ParameterSet()) {
    super(config, task, params, { classPrefix: 'ModernBert', basePrefix: 'model.' });
    const p = this.basePrefix;
    this.embeddings = new ModernBertEmbeddings(params, `${p}embeddings.`, config);
    this.layers = config.layerTypes.map(
      (type, i) => new ModernBertEncoderLayer(params, `${p}layers.${i}.`, i, config, type),
    );
    this.finalNorm = norm(params, `${p}final_norm`, config);
    const stds = initStds(config);
    if (task !== 'base') this.head = new ModernBertPredictionHead(params, config);
    if (task === 'masked-lm') {
      if (config.tieWordEmbeddings) {
        this.decoderWeight = this.embeddings.tokEmbeddings.weight;
        this.tiedWeights.set('decoder.weight', `${p}embeddings.tok_embeddings.weight`);
      } else {
        this.decoderWeight = params.create(
          'decoder.weight',
          [config.vocabSize, config.hiddenSize],
          truncated(stds.out),
        );
      }
      if (config.decoderBias)
        this.decoderBias = params.create('decoder.bias', [config.vocabSize], { kind: 'zeros' });
    } else if (task === 'sequence-classification' || task === 'token-classification') {
      // The classifier always has a bias; classifier_bias applies to head.dense only.
      this.classifier = new Linear(params, 'classifier', config.hiddenSize, config.numLabels, {
        bias: true,
        init: truncated(stds.finalOut),
      });
    }
  }

  private attentionContexts(
    attentionMask: tf.Tensor2D,
    length: number,
  ): Record<AttentionType, AttentionContext> {
    const { hiddenSize, numAttentionHeads, globalRopeTheta, localRopeTheta, localAttention } = this.config;
    const headDim = hiddenSize / numAttentionHeads;
    const batch = attentionMask.shape[0];
    const globalMask = paddingMask(attentionMask);
    // Attention scale head_dim^-0.5, folded into the q rotation.
    const rope = (theta: number) => qkvRopeTables(theta, headDim, numAttentionHeads, length, headDim ** -0.5);
    const half = Math.floor(localAttention / 2);
    // Past a few windows, blocks of `half` queries seeing 3·half keys beat a masked L×L product.
    const blocked = length > BLOCKED_WINDOW_MIN_RATIO * localAttention && half > 0;
    return {
      full_attention: { batch, mask: globalMask, rope: rope(globalRopeTheta) },
      sliding_attention: blocked
        ? {
            batch,
            mask: blockedSlidingWindowMask(globalMask, half),
            window: half,
            rope: rope(localRopeTheta),
          }
        : { batch, mask: slidingWindowMask(globalMask, localAttention), rope: rope(localRopeTheta) },
    };
  }

  protected encode(
    inputs: ModelInputs,
    attentionMask: tf.Tensor2D,
    training: boolean,
    checkpoint: CheckpointMode,
  ): EncodedSequence {
    const contexts = this.attentionContexts(attentionMask, inputs.inputIds.shape[1]);
    const embedded = this.embeddings.apply(inputs.inputIds, training);
    const blocks = this.layers.flatMap((layer, i): EncoderBlock[] => {
      const weights =
        (...parts: string[]) =>
        () =>
          parts.flatMap((part) => this.params.under(`${this.basePrefix}layers.${i}.${part}.`));
      const { batch, window, mask, rope } = contexts[layer.attentionType];
      const attend: LayerRun = (x, [m, cos, sin]) =>
        layer.attentionBlock(
          x,
          { batch, window, mask: m!, rope: { cos: cos as tf.Tensor3D, sin: sin as tf.Tensor3D } },
          training,
        );
      return [
        { run: attend, constants: [mask, rope.cos, rope.sin], weights: weights('attn_norm', 'attn') },
        { run: (x) => layer.mlpBlock(x, training), constants: [], weights: weights('mlp_norm', 'mlp') },
      ];
    });
    const outputs = runBlocks(blocks, embedded, checkpoint);
    const hidden = outputs[outputs.length - 1]!;
    // transformers' hidden_states: the embeddings, then each layer's output; the last is taken before final_norm.
    const hiddenStates = [embedded, ...outputs.filter((_, i) => i % 2 === 1)];
    return { hidden: this.finalNorm.apply(hidden), hiddenStates };
  }

  protected applyHead(
    hidden: tf.Tensor2D,
    sequence: tf.Tensor3D,
    attentionMask: tf.Tensor2D,
    training: boolean,
  ): HeadOutput {
    const [batch, length] = attentionMask.shape;
    if (!this.head) return {};
    if (this.task === 'masked-lm') {
      const logits = tiedDecoder(this.head.apply(hidden), this.decoderWeight!, this.decoderBias);
      return { logits: tf.reshape(logits, [batch, length, this.config.vocabSize]) };
    }
    const classifierDropout = this.config.classifierDropout;
    if (this.task === 'sequence-classification') {
      const pooled = poolSequence(sequence, attentionMask, this.config.classifierPooling);
      return {
        logits: this.classifier!.apply(dropout(this.head.apply(pooled), classifierDropout, training)),
      };
    }
    const logits = this.classifier!.apply(dropout(this.head.apply(hidden), classifierDropout, training));
    return { logits: tf.reshape(logits, [batch, length, this.config.numLabels]) };
  }
}

export function createModernBert(
  config: ModernBertConfig,
  task: Task,
  source?: WeightSource,
): ModernBertForTask {
  return new ModernBertForTask(config, task, new ParameterSet(source));
}
