import { initBackend } from '@bcmb/modeling';
import { beforeAll, describe, expect, it } from 'vitest';
import { fineTuneDemo } from './finetune-api.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
});

describe('finetune-trainer-api example', () => {
  it('trains one epoch on part of the demo sample and evaluates on its test split', async () => {
    const { test, logHistory } = await fineTuneDemo({ epochs: 1, trainLimit: 64 });
    expect(Object.keys(test).slice(0, 4)).toEqual([
      'eval_loss',
      'eval_accuracy',
      'eval_weighted_f1',
      'eval_micro_f1',
    ]);
    expect(test['epoch']).toBe(1);
    // One validation evaluation (the epoch) and the test evaluation, both in the log history as with transformers.
    expect(logHistory.filter((entry) => entry['eval_weighted_f1'] !== undefined)).toHaveLength(2);
  });
});
