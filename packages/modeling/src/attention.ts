import * as tf from '@tensorflow/tfjs-core';
import { dropout } from './nn.js';
import { applyQkvRope, type QkvRope } from './rope.js';

export interface AttentionShape {
  batch: number;
  length: number;
  numHeads: number;
  headDim: number;
}

export interface AttentionOptions {
  /** Additive mask broadcastable to [B, heads, L, L]: [B, 1, 1, L] or [B, 1, L, L]. */
  mask: tf.Tensor4D;
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
    const context = usePerHeadGemm() ? perHeadAttention(heads, options) : batchedAttention(heads, options);
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

function batchedAttention(heads: tf.Tensor4D, options: AttentionOptions): tf.Tensor4D {
  const [batch, slots, length, headDim] = heads.shape;
  const numHeads = slots / 3;
  const flat: [number, number, number] = [batch * numHeads, length, headDim];
  const [q, k, v] = tf.split(heads, 3, 1).map((t) => tf.reshape(t, flat) as tf.Tensor3D) as [
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor3D,
  ];
  const scores = tf.reshape(tf.matMul(q, k, false, true), [batch, numHeads, length, length]);
  const probs = dropout(tf.softmax(tf.add(scores, options.mask)), options.dropoutRate, options.training);
  const context = tf.matMul(tf.reshape(probs, [batch * numHeads, length, length]) as tf.Tensor3D, v);
  return tf.reshape(context, [batch, numHeads, length, headDim]);
}

function perHeadAttention(heads: tf.Tensor4D, options: AttentionOptions): tf.Tensor4D {
  const [batch, slots, length, headDim] = heads.shape;
  const numHeads = slots / 3;
  const maskRows = options.mask.shape[2];
  const block = (b: number, slot: number) =>
    tf.reshape(tf.slice(heads, [b, slot, 0, 0], [1, 1, length, headDim]), [length, headDim]) as tf.Tensor2D;
  const contexts: tf.Tensor2D[] = [];
  for (let b = 0; b < batch; b++) {
    const mask = tf.reshape(tf.slice(options.mask, [b, 0, 0, 0], [1, 1, maskRows, length]), [
      maskRows,
      length,
    ]);
    // K of all heads of this sequence, transposed once: [heads, d, L].
    const keysT = tf.transpose(
      tf.reshape(tf.slice(heads, [b, numHeads, 0, 0], [1, numHeads, length, headDim]), [
        numHeads,
        length,
        headDim,
      ]),
      [0, 2, 1],
    );
    for (let h = 0; h < numHeads; h++) {
      contexts.push(
        tf.tidy(() => {
          const keyT = tf.reshape(tf.slice(keysT, [h, 0, 0], [1, headDim, length]), [
            headDim,
            length,
          ]) as tf.Tensor2D;
          const scores = tf.add(tf.matMul(block(b, h), keyT), mask);
          const probs = dropout(tf.softmax(scores), options.dropoutRate, options.training) as tf.Tensor2D;
          return tf.matMul(probs, block(b, 2 * numHeads + h));
        }),
      );
    }
  }
  return tf.reshape(tf.stack(contexts), [batch, numHeads, length, headDim]);
}
