import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@bcmb/modeling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continuePretraining } from './continue-pretraining.js';

let workDir: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
  workDir = await mkdtemp(join(tmpdir(), 'bcmb-example-pretrain-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('pretrain-continue example', () => {
  it('continues pretraining on a notes CSV (MLM loss falls) and fine-tunes the checkpoint on ChemProt', async () => {
    const { pretraining, test } = await continuePretraining({
      workDir,
      batches: 40,
      finetuneEpochs: 1,
      log: () => {},
    });
    const losses = pretraining.history.map((h) => h.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.3);
    expect(test['eval_accuracy']).toBeGreaterThanOrEqual(0);
    expect(Object.keys(test)).toContain('eval_weighted_f1');
  });
});
