import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceWithLogitsLoss, crossEntropyLoss, mseLoss } from './losses.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function value(t: tf.Scalar): number {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

describe('losses', () => {
  it('averages cross-entropy over labels that are not -100, like torch.nn.CrossEntropyLoss', () => {
    const logits = tf.tensor2d([
      [2, 0, 0],
      [0, 1, 0],
      [5, 5, 5],
    ]);
    const labels = tf.tensor1d([0, -100, 2], 'int32');
    const lse = (row: number[]) => Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
    const expected = (lse([2, 0, 0]) - 2 + (lse([5, 5, 5]) - 5)) / 2;
    expect(value(crossEntropyLoss(logits, labels))).toBeCloseTo(expected, 6);
    tf.dispose([logits, labels]);
  });

  it('computes BCE-with-logits stably for large logits', () => {
    const logits = tf.tensor2d([[100, -100, 0]]);
    const targets = tf.tensor2d([[0, 0, 1]]);
    expect(value(bceWithLogitsLoss(logits, targets))).toBeCloseTo((100 + 0 + Math.log(2)) / 3, 5);
    tf.dispose([logits, targets]);
  });

  it('computes the mean squared error', () => {
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.tensor1d([1, 0, 6]);
    expect(value(mseLoss(a, b))).toBeCloseTo(13 / 3, 6);
    tf.dispose([a, b]);
  });
});
