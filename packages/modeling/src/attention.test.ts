import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selfAttention } from './attention.js';
import { blockedSlidingWindowMask, paddingMask, slidingWindowMask } from './attention-mask.js';
import { type BackendName, initBackend } from './backend.js';

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
    const sliding = slidingWindowMask(padding, 6);
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
      mask: slidingWindowMask(padding, localAttention),
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
