import * as tf from '@tensorflow/tfjs-core';

/** TrainingArguments.max_grad_norm default. */
export const MAX_GRAD_NORM = 1.0;
/** The epsilon `torch.nn.utils.clip_grad_norm_` adds to the total norm before dividing. */
export const CLIP_EPSILON = 1e-6;

/** The global L2 norm as torch computes it: the L2 norm of the per-parameter L2 norms. */
export function globalNorm(perParameterNorms: Iterable<number>): number {
  let sum = 0;
  for (const norm of perParameterNorms) sum += Math.fround(norm * norm);
  return Math.fround(Math.sqrt(sum));
}

/** The factor `clip_grad_norm_` multiplies every gradient by: min(max / (total + 1e-6), 1). */
export function clipCoefficient(totalNorm: number, maxNorm: number = MAX_GRAD_NORM): number {
  return Math.min(Math.fround(maxNorm / (totalNorm + CLIP_EPSILON)), 1);
}

export interface ClipResult {
  /** The clipped gradients (new tensors; the inputs are not disposed). */
  grads: Map<string, tf.Tensor>;
  /** Pre-clip global norm: what the Trainer logs as `grad_norm`. */
  totalNorm: number;
  coefficient: number;
}

/** `torch.nn.utils.clip_grad_norm_(params, maxNorm)` over named gradients. */
export function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number = MAX_GRAD_NORM): ClipResult {
  const names = [...grads.keys()];
  const norms = tf.tidy(() => tf.stack(names.map((name) => tf.norm(grads.get(name)!))));
  const totalNorm = globalNorm(norms.dataSync());
  norms.dispose();
  const coefficient = clipCoefficient(totalNorm, maxNorm);
  const clipped = new Map<string, tf.Tensor>();
  for (const name of names) clipped.set(name, tf.mul(grads.get(name)!, coefficient));
  return { grads: clipped, totalNorm, coefficient };
}
