import * as tf from '@tensorflow/tfjs-core';
import { dropout } from './nn.js';
import { applyRope } from './rope.js';

export interface AttentionShape {
  batch: number;
  length: number;
  numHeads: number;
  headDim: number;
}

export interface AttentionOptions {
  /** Additive mask broadcastable to [B, heads, L, L]: [B, 1, 1, L] or [B, 1, L, L]. */
  mask: tf.Tensor4D;
  rope?: { cos: tf.Tensor2D; sin: tf.Tensor2D };
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
    const heads = tf.transpose(tf.reshape(qkv, [batch, length, 3, numHeads, headDim]), [2, 0, 3, 1, 4]);
    const [q5, k5, v5] = tf.split(heads, 3, 0) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const headShape: [number, number, number, number] = [batch, numHeads, length, headDim];
    let q = tf.reshape(q5, headShape) as tf.Tensor4D;
    let k = tf.reshape(k5, headShape) as tf.Tensor4D;
    const v = tf.reshape(v5, headShape) as tf.Tensor4D;
    if (options.rope) {
      q = applyRope(q, options.rope.cos, options.rope.sin);
      k = applyRope(k, options.rope.cos, options.rope.sin);
    }
    // The head_dim^-0.5 scale is applied to q (B·L·H products) instead of the scores (B·heads·L² products).
    q = tf.mul(q, 1 / Math.sqrt(headDim));
    const context = usePerHeadGemm()
      ? perHeadAttention(q, k, v, options)
      : batchedAttention(q, k, v, options);
    return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * length, numHeads * headDim]);
  });
}

/**
 * The wasm backend runs a matMul on XNNPACK's GEMM only for a single plain (non-transposed) product; batched or
 * transposed products take a scalar loop an order of magnitude slower. There attention runs head by head on
 * [L, d]·[d, L] and [L, L]·[L, d] products, with K transposed once for all heads.
 */
function usePerHeadGemm(): boolean {
  return tf.getBackend() === 'wasm';
}

function batchedAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionOptions,
): tf.Tensor4D {
  const [batch, numHeads, length, headDim] = q.shape;
  const flat: [number, number, number] = [batch * numHeads, length, headDim];
  const scores = tf.reshape(
    tf.matMul(tf.reshape(q, flat) as tf.Tensor3D, tf.reshape(k, flat) as tf.Tensor3D, false, true),
    [batch, numHeads, length, length],
  );
  const probs = dropout(tf.softmax(tf.add(scores, options.mask)), options.dropoutRate, options.training);
  const context = tf.matMul(
    tf.reshape(probs, [batch * numHeads, length, length]) as tf.Tensor3D,
    tf.reshape(v, flat) as tf.Tensor3D,
  );
  return tf.reshape(context, [batch, numHeads, length, headDim]);
}

function perHeadAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionOptions,
): tf.Tensor4D {
  const [batch, numHeads, length, headDim] = q.shape;
  const qs = tf.unstack(tf.reshape(q, [batch * numHeads, length, headDim]));
  const kts = tf.unstack(tf.reshape(tf.transpose(k, [0, 1, 3, 2]), [batch * numHeads, headDim, length]));
  const vs = tf.unstack(tf.reshape(v, [batch * numHeads, length, headDim]));
  const masks = tf.unstack(tf.reshape(options.mask, [batch, options.mask.shape[2], length]));
  const contexts = qs.map((qh, i) =>
    tf.tidy(() => {
      const scores = tf.add(
        tf.matMul(qh as tf.Tensor2D, kts[i] as tf.Tensor2D),
        masks[Math.floor(i / numHeads)]!,
      );
      const probs = dropout(tf.softmax(scores), options.dropoutRate, options.training);
      return tf.matMul(probs as tf.Tensor2D, vs[i] as tf.Tensor2D);
    }),
  );
  return tf.reshape(tf.stack(contexts), [batch, numHeads, length, headDim]);
}
