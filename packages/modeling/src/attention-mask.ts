import * as tf from '@tensorflow/tfjs-core';

/**
 * The additive fill on masked keys: `torch.finfo(torch.float32).min`, a finite value as in transformers' eager
 * attention (with -inf a query whose keys are all masked would turn NaN).
 */
export const MASK_FILL = -3.4028234663852886e38;

/** [B, 1, 1, L] additive key mask: 0 where attention_mask is 1, MASK_FILL where it is 0 (padding). */
export function paddingMask(attentionMask: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, length] = attentionMask.shape;
    const masked = tf.sub(1, tf.cast(attentionMask, 'float32'));
    return tf.reshape(tf.mul(masked, MASK_FILL), [batch, 1, 1, length]);
  });
}

/**
 * [B, 1, L, L] additive mask of ModernBERT's local layers: key j is visible to query i iff
 * |i - j| <= localAttention / 2 and j is not padding; every other entry is MASK_FILL (replaced, not added).
 */
export function slidingWindowMask(padding: tf.Tensor4D, localAttention: number): tf.Tensor4D {
  return tf.tidy(() => {
    const length = padding.shape[3];
    const half = Math.floor(localAttention / 2);
    const band = new Float32Array(length * length);
    for (let i = 0; i < length; i++) {
      for (let j = 0; j < length; j++) band[i * length + j] = Math.abs(i - j) <= half ? 0 : MASK_FILL;
    }
    return tf.minimum(padding, tf.tensor4d(band, [1, 1, length, length]));
  });
}
