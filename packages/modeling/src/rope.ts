import * as tf from '@tensorflow/tfjs-core';

/** RoPE inverse frequencies θ^(-2k/d) for k < d/2, rounded to float32 as transformers computes them. */
export function ropeInvFreq(theta: number, headDim: number): Float32Array {
  const out = new Float32Array(headDim / 2);
  for (let k = 0; k < out.length; k++) out[k] = 1 / theta ** ((2 * k) / headDim);
  return out;
}

/** cos/sin tables [L, d] for positions 0..L-1: freqs = pos·inv_freq (float32), emb = cat(freqs, freqs). */
export function ropeTables(
  theta: number,
  headDim: number,
  length: number,
): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const invFreq = ropeInvFreq(theta, headDim);
  const half = headDim / 2;
  const cos = new Float32Array(length * headDim);
  const sin = new Float32Array(length * headDim);
  for (let pos = 0; pos < length; pos++) {
    for (let k = 0; k < half; k++) {
      const angle = Math.fround(pos * invFreq[k]!);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[pos * headDim + k] = c;
      cos[pos * headDim + half + k] = c;
      sin[pos * headDim + k] = s;
      sin[pos * headDim + half + k] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [length, headDim]), sin: tf.tensor2d(sin, [length, headDim]) };
}

/** NeoX-style rotary embedding on [..., L, d]: x·cos + rotate_half(x)·sin, rotate_half(x) = cat(-x2, x1). */
export function applyRope<T extends tf.Tensor>(x: T, cos: tf.Tensor2D, sin: tf.Tensor2D): T {
  return tf.tidy(() => {
    const half = x.shape[x.rank - 1]! / 2;
    const [x1, x2] = tf.split(x, [half, half], -1) as [tf.Tensor, tf.Tensor];
    const rotated = tf.concat([tf.neg(x2!), x1!], -1);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as T;
  });
}
