import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type AttentionShape, selfAttention } from './attention.js';
import { blockedSlidingWindowMask, paddingMask, slidingWindowMask } from './attention-mask.js';
import { type BackendName, initBackend } from './backend.js';
import { dropoutScale, withDropoutSeeds } from './nn.js';

describe('batched attention', () => {
  it('gives the same result when long inputs are processed in chunks of query rows', async () => {
    await initBackend({ backend: 'cpu', onReport: () => undefined });
    const [batch, length, numHeads, headDim] = [2, 23, 3, 4];
    const mask = tf.tensor2d(
      [23, 17].flatMap((real) => Array.from({ length }, (_, i) => (i < real ? 1 : 0))),
      [batch, length],
      'int32',
    );
    const qkv = tf.randomNormal([batch * length, 3 * numHeads * headDim], 0, 1, 'float32', 3) as tf.Tensor2D;
    const shape = { batch, length, numHeads, headDim };
    const padding = paddingMask(mask);
    const sliding = slidingWindowMask(padding, 3);
    for (const attentionMask of [padding, sliding]) {
      const whole = selfAttention(qkv, shape, { mask: attentionMask, dropoutRate: 0, training: false });
      // 5 query rows per chunk: 5 chunks, the last one short.
      const chunked = selfAttention(qkv, shape, {
        mask: attentionMask,
        dropoutRate: 0,
        training: false,
        maxScoreElements: batch * numHeads * length * 5,
      });
      expect(chunked.arraySync()).toEqual(whole.arraySync());
      tf.dispose([whole, chunked]);
    }
    tf.dispose([mask, qkv, padding, sliding]);
  });
});

describe.each(['cpu', 'wasm'] as BackendName[])('sliding-window attention on %s', (backend) => {
  it('gives the same real-token outputs in blocks as with the masked L×L product', async () => {
    await initBackend({ backend, onReport: () => undefined });
    const [batch, length, numHeads, headDim, localAttention] = [2, 37, 2, 4, 8];
    const lengths = [37, 29];
    const mask = tf.tensor2d(
      lengths.flatMap((real) => Array.from({ length }, (_, i) => (i < real ? 1 : 0))),
      [batch, length],
      'int32',
    );
    const qkv = tf.randomNormal([batch * length, 3 * numHeads * headDim], 0, 1, 'float32', 7) as tf.Tensor2D;
    const shape = { batch, length, numHeads, headDim };
    const padding = paddingMask(mask);
    const full = selfAttention(qkv, shape, {
      mask: slidingWindowMask(padding, localAttention / 2),
      dropoutRate: 0,
      training: false,
    });
    const blocked = selfAttention(qkv, shape, {
      mask: blockedSlidingWindowMask(padding, localAttention / 2),
      window: localAttention / 2,
      dropoutRate: 0,
      training: false,
    });
    const a = full.arraySync() as number[][];
    const b = blocked.arraySync() as number[][];
    let worst = 0;
    for (let row = 0; row < batch * length; row++) {
      if (row % length >= lengths[Math.floor(row / length)]!) continue;
      a[row]!.forEach((value, j) => {
        worst = Math.max(worst, Math.abs(value - b[row]![j]!));
      });
    }
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([mask, qkv, padding, full, blocked]);
  });
});

/**
 * Attention through batched tfjs ops and tfjs's own gradients, with the dropout factors the per-head path draws
 * (`dropoutScale` seeded `<call seed>/<sequence>/<head>`), scaled queries, [B·L, heads·d] output.
 */
function referenceAttention(
  qkv: tf.Tensor2D,
  mask: tf.Tensor,
  shape: AttentionShape,
  rate: number,
  seed: string,
) {
  const { batch, length, numHeads, headDim } = shape;
  const heads = tf.transpose(tf.reshape(qkv, [batch, length, 3 * numHeads, headDim]), [0, 2, 1, 3]);
  const [q, k, v] = tf.split(heads, 3, 1);
  const scores = tf.add(tf.matMul(tf.mul(q!, headDim ** -0.5), k!, false, true), mask);
  const scales = Array.from({ length: batch }, (_, b) =>
    tf.stack(
      Array.from({ length: numHeads }, (_, h) => dropoutScale([length, length], rate, `${seed}/${b}/${h}`)),
    ),
  );
  const context = tf.matMul(tf.mul(tf.softmax(scores), tf.stack(scales)), v!);
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * length, numHeads * headDim]);
}

describe('per-head attention (wasm) with its own gradient', () => {
  it('gives the output and q/k/v gradient of tfjs autodiff through the same dropout masks', async () => {
    await initBackend({ backend: 'wasm', onReport: () => undefined });
    const shape = { batch: 3, length: 11, numHeads: 2, headDim: 4 };
    const mask = paddingMask(
      tf.tensor2d(
        [11, 7, 9].flatMap((real) => Array.from({ length: 11 }, (_, i) => (i < real ? 1 : 0))),
        [3, 11],
        'int32',
      ),
    );
    const qkv = tf.randomNormal([33, 24], 0, 1, 'float32', 5) as tf.Tensor2D;
    const weights = tf.randomNormal([33, 8], 0, 1, 'float32', 6);
    const options = { mask, dropoutRate: 0.3, training: true };
    // Under withDropoutSeeds('t') the attention call draws the seed 't/0'.
    const perHead = tf.valueAndGrad((x: tf.Tensor) =>
      tf.sum(
        tf.mul(
          withDropoutSeeds('t', () => selfAttention(x as tf.Tensor2D, shape, options)),
          weights,
        ),
      ),
    )(qkv);
    const reference = tf.valueAndGrad((x: tf.Tensor) =>
      tf.sum(tf.mul(referenceAttention(x as tf.Tensor2D, mask, shape, 0.3, 't/0'), weights)),
    )(qkv);
    expect(Math.abs(perHead.value.dataSync()[0]! - reference.value.dataSync()[0]!)).toBeLessThan(1e-4);
    const worst = tf.max(tf.abs(tf.sub(perHead.grad, reference.grad))).dataSync()[0]!;
    expect(worst).toBeLessThan(1e-5 * Math.max(1, tf.max(tf.abs(reference.grad)).dataSync()[0]!));
    tf.dispose([mask, qkv, weights, perHead.value, perHead.grad, reference.value, reference.grad]);
  });
});
