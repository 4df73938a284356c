import {
  type Activation,
  type AttentionSpec,
  attentionKey,
  type EmbeddingIds,
  type EncoderBlock,
  type EncoderOps,
  type Pooling,
  type Projection,
  type QkvProjections,
} from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';
import { selfAttention } from './attention.js';
import { blockedSlidingWindowMask, paddingMask, slidingWindowMask } from './attention-mask.js';
import { activate, dropout, embeddingLookup, layerNorm, linear, type ParameterSet } from './nn.js';
import { type RecomputedBlock, type RecomputeMode, runBlocks } from './recompute.js';
import { qkvRopeTables } from './rope.js';

/** Sequences longer than this many windows run sliding-window layers block by block (same result). */
const BLOCKED_WINDOW_MIN_RATIO = 4;

export interface TfjsBatch {
  /** [B, L] token ids. */
  inputIds: tf.Tensor2D;
  /** [B, L], 1 real token, 0 padding. */
  attentionMask: tf.Tensor2D;
  /** [B, L] segment ids; row 0 of the table for every token when absent. */
  tokenTypeIds?: tf.Tensor2D;
}

/** Masks and rotary tables of one attention spec, made once per forward and read by every layer using it. */
interface AttentionContext {
  mask: tf.Tensor;
  /** Set when sliding-window attention runs in blocks of this many queries. */
  window?: number;
  cos?: tf.Tensor3D;
  sin?: tf.Tensor3D;
}

/** [B, L] ids as the flat [B·L] int32 vector an embedding lookup takes. */
function flatIds(ids: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [-1]);
}

/**
 * The model operations on tfjs. Rows are every padded position, `[B·L, width]`. Parameters are the model's
 * tfjs Variables (Linear weights held as `[in, out]` kernels); attention runs the per-head wasm kernels,
 * encoder blocks run under gradient checkpointing when asked (`RecomputeMode`).
 */
export class TfjsOps implements EncoderOps<tf.Tensor2D> {
  readonly batch: number;
  readonly length: number;
  private readonly contexts = new Map<string, AttentionContext>();
  /** While a block is recomputed during the backward pass, the saved copies of its context. */
  private recomputing: Map<string, AttentionContext> | null = null;

  constructor(
    private readonly params: ParameterSet,
    private readonly inputs: TfjsBatch,
    private readonly paddingIdx: ReadonlyMap<string, number | null>,
    private readonly training: boolean,
    private readonly recompute: RecomputeMode,
  ) {
    [this.batch, this.length] = inputs.inputIds.shape;
  }

  private param(name: string): tf.Variable {
    const variable = this.params.variables.get(name);
    if (!variable) throw new Error(`the model has no parameter ${name}`);
    return variable;
  }

  embed(table: string, ids: EmbeddingIds): tf.Tensor2D {
    const weights = this.param(table) as tf.Tensor2D;
    const rows = this.batch * this.length;
    const width = weights.shape[1];
    switch (ids) {
      case 'tokens':
        return embeddingLookup(weights, flatIds(this.inputs.inputIds), this.paddingIdx.get(table) ?? null);
      case 'token-types':
        return this.inputs.tokenTypeIds
          ? embeddingLookup(weights, flatIds(this.inputs.tokenTypeIds), null)
          : (tf.broadcastTo(tf.slice(weights, [0, 0], [1, width]), [rows, width]) as tf.Tensor2D);
      case 'positions':
        return tf.tile(tf.slice(weights, [0, 0], [this.length, width]), [this.batch, 1]) as tf.Tensor2D;
    }
  }

  linear(x: tf.Tensor2D, { weight, bias }: Projection): tf.Tensor2D {
    const w = this.param(weight);
    const b = bias === undefined ? null : this.param(bias);
    // A weight held in PyTorch layout (a tied decoder reading the embedding table) is transposed here.
    const kernel = this.params.transposed.has(weight) ? w : tf.transpose(w);
    return linear(x, kernel as tf.Tensor2D, b);
  }

  layerNorm(x: tf.Tensor2D, weight: string, bias: string | undefined, eps: number): tf.Tensor2D {
    const b = bias === undefined ? undefined : this.param(bias);
    return layerNorm(x, this.param(weight) as tf.Tensor1D, eps, b) as tf.Tensor2D;
  }

  add(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return tf.add(a, b);
  }

  activation(x: tf.Tensor2D, act: Activation): tf.Tensor2D {
    return activate(x, act) as tf.Tensor2D;
  }

  gatedActivation(x: tf.Tensor2D, act: Activation): tf.Tensor2D {
    const [rows, width] = [x.shape[0], x.shape[1] / 2];
    // Two slices rather than tf.split, whose wasm kernel copies the whole input per output.
    const input = tf.slice(x, [0, 0], [rows, width]);
    const gate = tf.slice(x, [0, width], [rows, width]);
    return tf.mul(activate(input, act), gate) as tf.Tensor2D;
  }

  attention(x: tf.Tensor2D, projections: QkvProjections, spec: AttentionSpec): tf.Tensor2D {
    const qkv =
      'fused' in projections
        ? this.linear(x, projections.fused)
        : this.concatenatedQkv(x, [projections.query, projections.key, projections.value]);
    const context = this.context(spec);
    return selfAttention(
      qkv,
      { batch: this.batch, length: this.length, numHeads: spec.numHeads, headDim: spec.headDim },
      {
        mask: context.mask,
        window: context.window,
        rope: context.cos && context.sin ? { cos: context.cos, sin: context.sin } : undefined,
        dropoutRate: spec.dropout,
        training: this.training,
      },
    );
  }

  /** q, k and v run as one GEMM on their concatenated kernels. */
  private concatenatedQkv(x: tf.Tensor2D, parts: Projection[]): tf.Tensor2D {
    const kernels = parts.map(({ weight }) => this.param(weight));
    const biases = parts.map(({ bias }) => (bias === undefined ? null : this.param(bias)));
    const kernel = tf.concat(kernels, 1) as tf.Tensor2D;
    const bias = biases.every((b) => b !== null) ? tf.concat(biases as tf.Tensor[]) : null;
    return linear(x, kernel, bias);
  }

  dropout(x: tf.Tensor2D, rate: number): tf.Tensor2D {
    return dropout(x, rate, this.training);
  }

  pool(x: tf.Tensor2D, how: Pooling): tf.Tensor2D {
    const width = x.shape[1];
    const sequence = tf.reshape(x, [this.batch, this.length, width]);
    if (how === 'cls')
      return tf.reshape(tf.slice(sequence, [0, 0, 0], [this.batch, 1, width]), [this.batch, width]);
    const mask = tf.cast(this.inputs.attentionMask, 'float32');
    const summed = tf.sum(tf.mul(sequence, tf.expandDims(mask, 2)), 1);
    return tf.div(summed, tf.sum(mask, 1, true)) as tf.Tensor2D;
  }

  blocks(x: tf.Tensor2D, blocks: readonly EncoderBlock<tf.Tensor2D>[]): tf.Tensor2D[] {
    const recomputed = blocks.map((block): RecomputedBlock => {
      const key = block.attention ? attentionKey(block.attention) : null;
      const context = block.attention ? this.context(block.attention) : null;
      const constants = context
        ? [context.mask, ...(context.cos && context.sin ? [context.cos, context.sin] : [])]
        : [];
      return {
        constants,
        weights: () => block.params.flatMap((prefix) => this.params.under(prefix)),
        run: (input, saved) =>
          tf.tidy(() => {
            if (key === null || context === null || saved === constants) return block.run(input);
            // Recomputing in the backward pass: read the saved copies of this block's masks and tables.
            const [mask, cos, sin] = saved as [tf.Tensor, tf.Tensor3D?, tf.Tensor3D?];
            this.recomputing = new Map([[key, { mask, window: context.window, cos, sin }]]);
            try {
              return block.run(input);
            } finally {
              this.recomputing = null;
            }
          }),
      };
    });
    return runBlocks(recomputed, x, this.recompute);
  }

  private context(spec: AttentionSpec): AttentionContext {
    const key = attentionKey(spec);
    const saved = this.recomputing?.get(key);
    if (saved) return saved;
    let context = this.contexts.get(key);
    if (context === undefined) {
      context = this.makeContext(spec);
      this.contexts.set(key, context);
    }
    return context;
  }

  private makeContext(spec: AttentionSpec): AttentionContext {
    const padding = this.paddingMask();
    // The attention scale head_dim^-0.5 is folded into the q rotation.
    const rope = spec.rope
      ? qkvRopeTables(spec.rope.theta, spec.headDim, spec.numHeads, this.length, spec.headDim ** -0.5)
      : undefined;
    const tables = { cos: rope?.cos, sin: rope?.sin };
    if (spec.window.kind === 'full') return { mask: padding, ...tables };
    const half = spec.window.halfWindow;
    // Past a few windows, blocks of `half` queries seeing 3·half keys beat a masked L×L product.
    if (this.length > BLOCKED_WINDOW_MIN_RATIO * 2 * half && half > 0)
      return { mask: blockedSlidingWindowMask(padding, half), window: half, ...tables };
    return { mask: slidingWindowMask(padding, half), ...tables };
  }

  private paddingMaskTensor: tf.Tensor4D | null = null;

  private paddingMask(): tf.Tensor4D {
    this.paddingMaskTensor ??= paddingMask(this.inputs.attentionMask);
    return this.paddingMaskTensor;
  }
}
