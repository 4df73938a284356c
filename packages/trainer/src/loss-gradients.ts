import type { EncoderModel } from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from './collate.js';

export interface LossAndGradients {
  loss: number;
  /** Gradients by parameter name; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
}

export interface LossWeighting {
  /** This micro-batch's share of its batch's loss (see `microBatches`); 1 for a whole batch. */
  share?: number;
  /** Divides the loss, as the Trainer divides by gradient_accumulation_steps. */
  divisor?: number;
}

/**
 * Loss and gradients of one batch in training mode, of the loss × share / divisor; the returned loss is that
 * weighted one.
 */
export function lossAndGradients(
  model: EncoderModel,
  batch: Batch,
  { share = 1, divisor = 1 }: LossWeighting = {},
): LossAndGradients {
  const parameters = model.parameters();
  const nameOf = new Map([...parameters].map(([name, variable]) => [variable.name, name]));
  const { value, grads } = tf.variableGrads(() => {
    const output = model.forward(batch, { training: true });
    const shared: tf.Scalar = share === 1 ? output.loss! : tf.mul(output.loss!, share);
    return divisor === 1 ? shared : tf.div(shared, divisor);
  }, [...parameters.values()]);
  const loss = value.dataSync()[0]!;
  value.dispose();
  const named = new Map<string, tf.Tensor>();
  for (const [variableName, grad] of Object.entries(grads)) named.set(nameOf.get(variableName)!, grad);
  return { loss, grads: named };
}

/** Adds `more` into `sum` (disposing both inputs' replaced tensors); returns the running sum. */
export function accumulate(
  sum: Map<string, tf.Tensor> | null,
  more: Map<string, tf.Tensor>,
): Map<string, tf.Tensor> {
  if (sum === null) return more;
  for (const [name, grad] of more) {
    const previous = sum.get(name);
    sum.set(name, previous ? tf.add(previous, grad) : grad);
    if (previous) {
      previous.dispose();
      grad.dispose();
    }
  }
  return sum;
}

export function disposeGrads(grads: Map<string, tf.Tensor>): void {
  for (const grad of grads.values()) grad.dispose();
}
