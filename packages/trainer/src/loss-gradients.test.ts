import type { ProblemType } from '@bcmb/datasets';
import { fromPretrained, initBackend } from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { collate, disposeBatch, microBatches } from './collate.js';
import { accumulate, disposeGrads, lossAndGradients } from './loss-gradients.js';
import { fixtureModelDir } from './testing/reference.js';
import { randomExamples } from './testing/synthetic.js';

const NO_DROPOUT = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };

beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
});

describe.each([
  ['single_label', 'tiny-bert-seqcls', 3],
  ['token', 'tiny-bert-tokcls', 7],
] as [ProblemType, string, number][])('%s micro-batches', (kind, checkpoint, numLabels) => {
  it('add up to the loss and gradients of the whole batch', async () => {
    const model = await fromPretrained(fixtureModelDir(checkpoint), {
      configOverrides: NO_DROPOUT,
      onWarning: () => {},
    });
    const examples = randomExamples(7, kind, numLabels, 5);
    const whole = collate(examples, 0, kind);
    const reference = lossAndGradients(model, whole);
    disposeBatch(whole);
    let loss = 0;
    let grads: Map<string, tf.Tensor> | null = null;
    for (const slice of microBatches(examples, 3, kind)) {
      const batch = collate(slice.examples, 0, kind);
      const part = lossAndGradients(model, batch, { share: slice.share });
      disposeBatch(batch);
      loss += part.loss;
      grads = accumulate(grads, part.grads);
    }
    expect(loss).toBeCloseTo(reference.loss, 5);
    for (const [name, expected] of reference.grads) {
      const scale = tf.tidy(() => tf.max(tf.abs(expected)).dataSync()[0]!);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(grads!.get(name)!, expected))).dataSync()[0]!);
      // Relative to the gradient's size, with a float32 noise floor for gradients that are zero in theory (key bias).
      expect(diff, name).toBeLessThanOrEqual(1e-5 * scale + 1e-7);
    }
    disposeGrads(reference.grads);
    disposeGrads(grads!);
    model.dispose();
  });
});
