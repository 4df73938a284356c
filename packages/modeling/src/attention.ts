import * as tf from '@tensorflow/tfjs-core';
import { windowBlocks } from './attention-mask.js';
import { dropout, dropoutScale, dropoutSeed } from './nn.js';
import { applyQkvRope, type QkvRope } from './rope.js';

export interface AttentionShape {
  batch: number;
  length: number;
  numHeads: number;
  headDim: number;
}

export interface AttentionOptions {
  /**
   * Additive mask broadcastable to [B, heads, L, L] ([B, 1, 1, L] or [B, 1, L, L]); with `window`, the block form
   * [B, 1, nb, window, 3·window] of `blockedSlidingWindowMask`.
   */
  mask: tf.Tensor;
  /** Sliding-window attention computed block by block: the half window (local_attention / 2). */
  window?: number;
  /** Batched path: cap on the score elements held at once (default MAX_SCORE_ELEMENTS). */
  maxScoreElements?: number;
  /** ModernBERT: rotary tables, with the head_dim^-0.5 scale folded into the q slots. */
  rope?: QkvRope;
  dropoutRate: number;
  training: boolean;
}

/**
 * Scaled dot-product attention over a fused projection `qkv` [B·L, 3·H] whose columns are q, k, v, each split
 * into heads (ModernBERT's Wqkv layout; BERT's three projections are concatenated the same way).
 * Returns the per-token context [B·L, H] before the output projection.
 */
export function selfAttention(
  qkv: tf.Tensor2D,
  shape: AttentionShape,
  options: AttentionOptions,
): tf.Tensor2D {
  return tf.tidy(() => {
    const { batch, length, numHeads, headDim } = shape;
    const slots = tf.reshape(qkv, [batch, length, 3 * numHeads, headDim]) as tf.Tensor4D;
    const scaled = options.rope ? applyQkvRope(slots, options.rope) : scaleQueries(slots, numHeads, headDim);
    // [B, 3·heads, L, d]: every (batch, head) block of q, k and v is contiguous.
    const heads = tf.transpose(scaled, [0, 2, 1, 3]) as tf.Tensor4D;
    const perHead = usePerHeadGemm();
    const context = options.window
      ? perHead
        ? perHeadWindowAttention(heads, options, options.window)
        : batchedWindowAttention(heads, options, options.window)
      : perHead
        ? perHeadAttention(heads, options)
        : batchedAttention(heads, options);
    return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * length, numHeads * headDim]);
  });
}

/** q·head_dim^-0.5 (applied to q, B·L·H products, instead of the scores, B·heads·L² products). */
function scaleQueries(slots: tf.Tensor4D, numHeads: number, headDim: number): tf.Tensor4D {
  const scale = new Float32Array(3 * numHeads).fill(1).fill(1 / Math.sqrt(headDim), 0, numHeads);
  return tf.mul(slots, tf.tensor2d(scale, [3 * numHeads, 1])) as tf.Tensor4D;
}

/**
 * The wasm backend runs a matMul on XNNPACK's GEMM only for a single plain (non-transposed) product; batched or
 * transposed products take a scalar loop an order of magnitude slower, and strided slices are slow too. There
 * attention runs head by head on contiguous [L, d]·[d, L] and [L, L]·[L, d] products.
 */
function usePerHeadGemm(): boolean {
  return tf.getBackend() === 'wasm';
}

/**
 * Largest score tensor (B·heads·rows·L elements) the batched path materialises at once: 2^26 floats, 256 MB. Longer
 * inputs (global layers at thousands of tokens) run in chunks of query rows with the same result.
 */
export const MAX_SCORE_ELEMENTS = 2 ** 26;

function batchedAttention(heads: tf.Tensor4D, options: AttentionOptions): tf.Tensor4D {
  const [batch, slots, length, headDim] = heads.shape;
  const numHeads = slots / 3;
  const [q, k, v] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const budget = options.maxScoreElements ?? MAX_SCORE_ELEMENTS;
  const rowsPerChunk = Math.max(1, Math.floor(budget / (batch * numHeads * length)));
  const flat = (x: tf.Tensor, rows: number) =>
    tf.reshape(x, [batch * numHeads, rows, headDim]) as tf.Tensor3D;
  const keys = flat(k, length);
  const values = flat(v, length);
  const chunks: tf.Tensor4D[] = [];
  for (let start = 0; start < length; start += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, length - start);
    chunks.push(
      tf.tidy(() => {
        const queries = flat(tf.slice(q, [0, 0, start, 0], [batch, numHeads, rows, headDim]), rows);
        const maskRows = options.mask.shape[2] === 1 ? options.mask : rowSlice(options.mask, start, rows);
        const scores = tf.reshape(tf.matMul(queries, keys, false, true), [batch, numHeads, rows, length]);
        const probs = dropout(tf.softmax(tf.add(scores, maskRows)), options.dropoutRate, options.training);
        const context = tf.matMul(tf.reshape(probs, [batch * numHeads, rows, length]) as tf.Tensor3D, values);
        return tf.reshape(context, [batch, numHeads, rows, headDim]) as tf.Tensor4D;
      }),
    );
  }
  return chunks.length === 1 ? chunks[0]! : (tf.concat(chunks, 2) as tf.Tensor4D);
}

/** Rows [start, start + rows) of a [B, 1, L, L] mask. */
function rowSlice(mask: tf.Tensor, start: number, rows: number): tf.Tensor {
  const [batch, one, , length] = mask.shape as [number, number, number, number];
  return tf.slice(mask, [0, 0, start, 0], [batch, one, rows, length]);
}

/**
 * Sliding-window attention in blocks: each block of `window` queries attends to the 3·window keys of its own and
 * neighbouring blocks, so work and memory grow as L·window instead of L².
 */
function batchedWindowAttention(heads: tf.Tensor4D, options: AttentionOptions, window: number): tf.Tensor4D {
  const [batch, slots, length, headDim] = heads.shape;
  const numHeads = slots / 3;
  const blocks = Math.ceil(length / window);
  const [q, k, v] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const groups = batch * numHeads * blocks;
  const queries = tf.reshape(
    tf.pad(q, [
      [0, 0],
      [0, 0],
      [0, blocks * window - length],
      [0, 0],
    ]),
    [groups, window, headDim],
  ) as tf.Tensor3D;
  const keys = tf.reshape(windowBlocks(k, window, blocks), [groups, 3 * window, headDim]) as tf.Tensor3D;
  const values = tf.reshape(windowBlocks(v, window, blocks), [groups, 3 * window, headDim]) as tf.Tensor3D;
  const scores = tf.reshape(tf.matMul(queries, keys, false, true), [
    batch,
    numHeads,
    blocks,
    window,
    3 * window,
  ]);
  const probs = dropout(tf.softmax(tf.add(scores, options.mask)), options.dropoutRate, options.training);
  const context = tf.matMul(tf.reshape(probs, [groups, window, 3 * window]) as tf.Tensor3D, values);
  const all = tf.reshape(context, [batch, numHeads, blocks * window, headDim]) as tf.Tensor4D;
  return tf.slice(all, [0, 0, 0, 0], [batch, numHeads, length, headDim]);
}

/** A contiguous block of `x` reshaped to `shape` (on wasm, the no-copy Slice kernel reads it). */
function block<T extends tf.Tensor>(x: tf.Tensor, begin: number[], size: number[], shape: number[]): T {
  return tf.reshape(tf.slice(x, begin, size), shape) as T;
}

/** K of every head of sequence `b`, transposed once: [heads, d, L]. */
function transposedKeys(heads: tf.Tensor4D, b: number): tf.Tensor3D {
  const [, slots, length, headDim] = heads.shape;
  const numHeads = slots / 3;
  const keys = block(heads, [b, numHeads, 0, 0], [1, numHeads, length, headDim], [numHeads, length, headDim]);
  return tf.transpose(keys, [0, 2, 1]) as tf.Tensor3D;
}

/** softmax(q·kᵀ + mask)·v for one head, on plain 2-D products. */
function attendHead(
  query: tf.Tensor2D,
  keyT: tf.Tensor2D,
  value: tf.Tensor2D,
  mask: tf.Tensor,
  options: AttentionOptions,
): tf.Tensor2D {
  const scores = tf.add(tf.matMul(query, keyT), mask);
  const probs = dropout(tf.softmax(scores), options.dropoutRate, options.training) as tf.Tensor2D;
  return tf.matMul(probs, value);
}

/** `batchedWindowAttention` head by head and block by block on plain 2-D products (wasm). */
function perHeadWindowAttention(heads: tf.Tensor4D, options: AttentionOptions, window: number): tf.Tensor4D {
  const [batch, slots, length, headDim] = heads.shape;
  const numHeads = slots / 3;
  const blocks = Math.ceil(length / window);
  const span = 3 * window;
  // Positions padded by one block in front and up to whole blocks (+1) behind: key block i starts at i·window.
  const padding: [number, number][] = [
    [0, 0],
    [0, 0],
    [window, (blocks + 1) * window - length],
    [0, 0],
  ];
  const padded = tf.pad(heads, padding) as tf.Tensor4D;
  const masks = tf.reshape(options.mask, [batch, blocks, window, span]);
  const contexts: tf.Tensor2D[] = [];
  for (let b = 0; b < batch; b++) {
    const blockMasks = block(masks, [b, 0, 0, 0], [1, blocks, window, span], [blocks, window, span]);
    const keysT = transposedKeys(padded, b);
    for (let h = 0; h < numHeads; h++) {
      contexts.push(
        tf.tidy(() => {
          const outputs: tf.Tensor2D[] = [];
          for (let i = 0; i < blocks; i++) {
            const query = block<tf.Tensor2D>(
              padded,
              [b, h, (i + 1) * window, 0],
              [1, 1, window, headDim],
              [window, headDim],
            );
            const keyT = block<tf.Tensor2D>(keysT, [h, 0, i * window], [1, headDim, span], [headDim, span]);
            const value = block<tf.Tensor2D>(
              padded,
              [b, 2 * numHeads + h, i * window, 0],
              [1, 1, span, headDim],
              [span, headDim],
            );
            const mask = block(blockMasks, [i, 0, 0], [1, window, span], [window, span]);
            outputs.push(attendHead(query, keyT, value, mask, options));
          }
          return tf.slice(tf.concat(outputs, 0), [0, 0], [length, headDim]) as tf.Tensor2D;
        }),
      );
    }
  }
  return tf.reshape(tf.stack(contexts), [batch, numHeads, length, headDim]);
}

/**
 * Full (masked L×L) attention head by head on plain 2-D products (wasm), with its own gradient. Autodiff through
 * the per-(sequence, head) slices would give each slice a zero-padded copy of the whole [B, 3·heads, L, d] input as
 * its gradient (memory growing as batch² · heads, all held until the backward pass ends); this backward instead
 * recomputes each head's probabilities and assembles dq, dk and dv into the input gradient with one stack.
 */
function perHeadAttention(heads: tf.Tensor4D, options: AttentionOptions): tf.Tensor4D {
  const rate = options.training ? options.dropoutRate : 0;
  // One seed per call: the backward pass regenerates the forward's dropout masks from it.
  const seed = rate > 0 ? dropoutSeed() : 0;
  const attend = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([input, options.mask]);
    const heads = new HeadBlocks(input, options.mask, rate, seed);
    const contexts: tf.Tensor2D[] = [];
    for (let b = 0; b < heads.batch; b++) {
      const keysT = heads.keysT(b);
      for (let h = 0; h < heads.numHeads; h++) {
        contexts.push(tf.tidy(() => tf.matMul(heads.probabilities(b, h, keysT).kept, heads.slot(b, 2, h))));
      }
    }
    const value = tf.reshape(tf.stack(contexts), [heads.batch, heads.numHeads, heads.length, heads.headDim]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      tf.tidy(() =>
        new HeadBlocks(saved[0] as tf.Tensor4D, saved[1]!, rate, seed).gradient(dy as tf.Tensor4D),
      );
    return { value, gradFunc };
  });
  return attend(heads) as tf.Tensor4D;
}

/** The (sequence, head) blocks of a [B, 3·heads, L, d] q/k/v tensor, and one head's attention and its gradient. */
class HeadBlocks {
  readonly batch: number;
  readonly numHeads: number;
  readonly length: number;
  readonly headDim: number;

  constructor(
    private readonly heads: tf.Tensor4D,
    private readonly mask: tf.Tensor,
    private readonly rate: number,
    private readonly seed: number | string,
  ) {
    const [batch, slots, length, headDim] = heads.shape;
    [this.batch, this.numHeads, this.length, this.headDim] = [batch, slots / 3, length, headDim];
  }

  /** q (role 0), k (1) or v (2) of head `h` of sequence `b`: [L, d]. */
  slot(b: number, role: number, h: number): tf.Tensor2D {
    const { length, headDim } = this;
    return block(this.heads, [b, role * this.numHeads + h, 0, 0], [1, 1, length, headDim], [length, headDim]);
  }

  keysT(b: number): tf.Tensor3D {
    return transposedKeys(this.heads, b);
  }

  /** softmax(q·kᵀ + mask) of one head, and the same after dropout with its rescaling factor. */
  probabilities(
    b: number,
    h: number,
    keysT: tf.Tensor3D,
  ): { probs: tf.Tensor2D; kept: tf.Tensor2D; scale: tf.Tensor | null } {
    const { length, headDim } = this;
    const rows = this.mask.shape[2]!;
    const mask = block(this.mask, [b, 0, 0, 0], [1, 1, rows, length], [rows, length]);
    const keyT = block<tf.Tensor2D>(keysT, [h, 0, 0], [1, headDim, length], [headDim, length]);
    const probs = tf.softmax(tf.add(tf.matMul(this.slot(b, 0, h), keyT), mask)) as tf.Tensor2D;
    if (this.rate === 0) return { probs, kept: probs, scale: null };
    const scale = dropoutScale([length, length], this.rate, `${this.seed}/${b}/${h}`);
    return { probs, kept: tf.mul(probs, scale) as tf.Tensor2D, scale };
  }

  /** d loss / d heads from d loss / d context ([B, heads, L, d]), head by head on plain 2-D products. */
  gradient(dy: tf.Tensor4D): tf.Tensor4D {
    const { batch, numHeads, length, headDim } = this;
    const perSequence: tf.Tensor3D[] = [];
    for (let b = 0; b < batch; b++) {
      perSequence.push(
        tf.tidy(() => {
          const keysT = this.keysT(b);
          const roles: tf.Tensor2D[][] = [[], [], []];
          for (let h = 0; h < numHeads; h++) {
            const grads = tf.tidy(() => {
              const { probs, kept, scale } = this.probabilities(b, h, keysT);
              const dContext = block<tf.Tensor2D>(
                dy,
                [b, h, 0, 0],
                [1, 1, length, headDim],
                [length, headDim],
              );
              const dValue = tf.matMul(tf.transpose(kept), dContext);
              const dKept = tf.matMul(dContext, tf.transpose(this.slot(b, 2, h)));
              const dProbs = scale === null ? dKept : tf.mul(dKept, scale);
              // softmax backward: p ⊙ (dp − Σ dp ⊙ p)
              const dScores = tf.mul(probs, tf.sub(dProbs, tf.sum(tf.mul(dProbs, probs), -1, true)));
              const dQuery = tf.matMul(dScores, this.slot(b, 1, h));
              const dKey = tf.matMul(tf.transpose(dScores), this.slot(b, 0, h));
              return [dQuery, dKey, dValue] as tf.Tensor2D[];
            });
            grads.forEach((grad, role) => {
              roles[role]!.push(grad);
            });
          }
          return tf.stack(roles.flat()) as tf.Tensor3D;
        }),
      );
    }
    return tf.stack(perSequence) as tf.Tensor4D;
  }
}
