import { ropeTables } from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';

/**
 * RoPE tables laid out for a fused projection viewed as [B, L, 3·heads, d] (q heads, k heads, v heads):
 * q and k slots rotate, v slots pass through (cos 1, sin 0). `queryScale` multiplies the q slots, which
 * folds attention's head_dim^-0.5 into the rotation.
 */
export interface QkvRope {
  cos: tf.Tensor3D;
  sin: tf.Tensor3D;
}

export function qkvRopeTables(
  theta: number,
  headDim: number,
  numHeads: number,
  length: number,
  queryScale: number,
): QkvRope {
  // The half-width tables, dimension k and k + d/2 sharing an angle.
  const { cos, sin } = ropeTables(theta, headDim, length);
  const half = headDim / 2;
  const slots = 3 * numHeads;
  const cosOut = new Float32Array(length * slots * headDim);
  const sinOut = new Float32Array(length * slots * headDim);
  for (let pos = 0; pos < length; pos++) {
    for (let slot = 0; slot < slots; slot++) {
      const base = (pos * slots + slot) * headDim;
      const role = Math.floor(slot / numHeads); // 0 q, 1 k, 2 v
      const scale = role === 0 ? queryScale : 1;
      for (let j = 0; j < headDim; j++) {
        const angle = pos * half + (j % half);
        cosOut[base + j] = role === 2 ? 1 : cos[angle]! * scale;
        sinOut[base + j] = role === 2 ? 0 : sin[angle]! * scale;
      }
    }
  }
  return {
    cos: tf.tensor3d(cosOut, [length, slots, headDim]),
    sin: tf.tensor3d(sinOut, [length, slots, headDim]),
  };
}

/**
 * rotate_half as a product with a fixed signed permutation: x·R = cat(-x2, x1). Each output takes exactly one
 * ±input term, so the result is exact, and the product runs on the backend's fast GEMM (no strided split/concat).
 */
function rotateHalfMatrix(headDim: number): tf.Tensor2D {
  const half = headDim / 2;
  const matrix = new Float32Array(headDim * headDim);
  for (let j = 0; j < half; j++) {
    matrix[(j + half) * headDim + j] = -1; // out[j] = -x[j + half]
    matrix[j * headDim + j + half] = 1; // out[j + half] = x[j]
  }
  return tf.tensor2d(matrix, [headDim, headDim]);
}

/**
 * x·R with R = rotateHalfMatrix. R is a signed permutation with R·R = -I, so Rᵀ = -R and the gradient is -(dy·R):
 * a plain product again (tf.matMul's own gradient multiplies by a transposed operand, slow on wasm).
 */
function rotateHalf(x: tf.Tensor2D): tf.Tensor2D {
  const rotate = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    const matrix = rotateHalfMatrix(input.shape[1]);
    const value = tf.matMul(input, matrix);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]) =>
      tf.tidy(() => tf.neg(tf.matMul(dy as tf.Tensor2D, rotateHalfMatrix(input.shape[1]))));
    return { value, gradFunc };
  });
  return rotate(x) as tf.Tensor2D;
}

/** NeoX-style rotary embedding on a [B, L, 3·heads, d] projection: x·cos + rotate_half(x)·sin. */
export function applyQkvRope(qkv: tf.Tensor4D, rope: QkvRope): tf.Tensor4D {
  return tf.tidy(() => {
    const headDim = qkv.shape[3];
    const rotated = tf.reshape(rotateHalf(tf.reshape(qkv, [-1, headDim]) as tf.Tensor2D), qkv.shape);
    return tf.add(tf.mul(qkv, rope.cos), tf.mul(rotated, rope.sin)) as tf.Tensor4D;
  });
}
