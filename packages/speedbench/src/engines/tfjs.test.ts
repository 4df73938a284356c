import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { generateWorkloads } from '../workloads.js';
import { createTfjsEngine } from './tfjs.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const SEQ_LEN = 32;

describe('tfjs engine', () => {
  it.each([
    ['tiny-bert', 0],
    ['tiny-modernbert', 16383],
  ])('runs %s (config.json only → random weights) without leaking tensors', async (name, padTokenId) => {
    const engine = await createTfjsEngine({ backend: 'cpu' });
    expect(engine.name).toBe('tfjs-cpu');
    const model = await engine.load(fixture(name));
    expect(model).toMatchObject({ randomWeights: true, maxLength: 512 });
    const [workload] = generateWorkloads(['variable_short'], { samples: 2, padTokenId, maxLength: 512 });
    // The first 32 positions of each research row: real tokens, then padding where the row is shorter.
    const rows = [0, 1].map((row) => workload!.inputIds.subarray(row * 512, row * 512 + SEQ_LEN));
    const masks = [0, 1].map((row) => workload!.attentionMask.subarray(row * 512, row * 512 + SEQ_LEN));
    const batch = {
      inputIds: Int32Array.from(rows.flatMap((row) => [...row])),
      attentionMask: Int32Array.from(masks.flatMap((mask) => [...mask])),
      batchSize: 2,
      seqLen: SEQ_LEN,
    };
    await model.run(batch);
    const before = tf.memory().numTensors;
    await model.run(batch);
    await model.run(batch);
    expect(tf.memory().numTensors).toBe(before);
    await model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
