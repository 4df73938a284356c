import { MASK_FILL } from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';

/** [B, 1, 1, L] additive key mask: 0 where attention_mask is 1, MASK_FILL where it is 0 (padding). */
export function paddingMask(attentionMask: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, length] = attentionMask.shape;
    const masked = tf.sub(1, tf.cast(attentionMask, 'float32'));
    return tf.reshape(tf.mul(masked, MASK_FILL), [batch, 1, 1, length]);
  });
}

/**
 * [B, 1, L, L] additive mask of a sliding-window layer: key j is visible to query i iff |i - j| <= half and j is
 * not padding; every other entry is MASK_FILL (replaced, not added).
 */
export function slidingWindowMask(padding: tf.Tensor4D, half: number): tf.Tensor4D {
  return tf.tidy(() => {
    const length = padding.shape[3];
    const band = new Float32Array(length * length);
    for (let i = 0; i < length; i++) {
      for (let j = 0; j < length; j++) band[i * length + j] = Math.abs(i - j) <= half ? 0 : MASK_FILL;
    }
    return tf.minimum(padding, tf.tensor4d(band, [1, 1, length, length]));
  });
}

/**
 * The sliding-window mask in block form, for attention computed block by block: queries in blocks of `half`
 * (= localAttention / 2) positions, block i seeing the keys of blocks i-1, i, i+1 (3·half keys, block -1 and
 * blocks past the end being padding). Returns [B, 1, nb, half, 3·half] with 0 where key (i-1)·half + c is visible
 * to query i·half + r, i.e. |query - key| <= half, the key exists and is not padding; MASK_FILL elsewhere.
 */
export function blockedSlidingWindowMask(padding: tf.Tensor4D, half: number): tf.Tensor {
  return tf.tidy(() => {
    const [batch, , , length] = padding.shape;
    const blocks = Math.ceil(length / half);
    const span = 3 * half;
    const band = new Float32Array(blocks * half * span);
    for (let i = 0; i < blocks; i++) {
      for (let r = 0; r < half; r++) {
        for (let c = 0; c < span; c++) {
          const query = i * half + r;
          const key = (i - 1) * half + c;
          const visible = key >= 0 && key < length && Math.abs(query - key) <= half;
          band[(i * half + r) * span + c] = visible ? 0 : MASK_FILL;
        }
      }
    }
    const keys = windowBlocks(tf.reshape(padding, [batch, length, 1]), half, blocks, MASK_FILL);
    return tf.minimum(
      tf.tensor(band, [1, 1, blocks, half, span]),
      tf.reshape(keys, [batch, 1, blocks, 1, span]),
    );
  });
}

/**
 * [..., L, d] → [..., nb, 3·block, d]: for each block of `block` positions, the rows of the previous, own and next
 * block (positions outside 0..L-1 filled with `fill`).
 */
export function windowBlocks(x: tf.Tensor, block: number, blocks: number, fill = 0): tf.Tensor {
  const shape = x.shape;
  const rank = shape.length;
  const [length, depth] = [shape[rank - 2]!, shape[rank - 1]!];
  const lead = shape.slice(0, rank - 2);
  const paddings: [number, number][] = lead.map(() => [0, 0]);
  paddings.push([block, (blocks + 1) * block - length], [0, 0]);
  const padded = tf.reshape(tf.pad(x, paddings, fill), [...lead, blocks + 2, block, depth]);
  const shifted = [0, 1, 2].map((offset) =>
    tf.slice(padded, [...lead.map(() => 0), offset, 0, 0], [...lead, blocks, block, depth]),
  );
  return tf.concat(shifted, rank - 1);
}
