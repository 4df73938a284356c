import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@bcmb/modeling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrainConfig } from './pretrain-config.js';
import { runPretraining } from './run.js';
import { TINY_IDS, TINY_MODEL, writeSyntheticSplits, writeTinyConfig } from './test-run-support.js';
import { createTfjsEngine } from './tfjs-engine.js';
import { MdsDataset } from '@bcmb/mds';
import { evalSequences } from './data.js';

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu', onReport: () => {} });
  root = await mkdtemp(join(tmpdir(), 'bcmb-pretrain-'));
  await writeSyntheticSplits(join(root, 'mds'), 160, 24);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(name: string, options: { resume?: boolean; stopAfterBatches?: number } = {}) {
  const configPath = join(root, `${name}.yaml`);
  await writeTinyConfig(configPath, join(root, 'mds'), join(root, name));
  const config = await loadPretrainConfig(configPath);
  return runPretraining({
    config,
    modelDir: TINY_MODEL,
    tokenizerDir: null,
    createEngine: (dir) =>
      createTfjsEngine({
        modelDir: dir,
        maxLr: config.lr,
        betas: config.betas,
        eps: config.eps,
        weightDecay: config.weightDecay,
        filterBiasNormWd: config.filterBiasNormWd,
        maskTokenId: TINY_IDS.mask,
        onWarning: () => {},
      }),
    log: () => {},
    progress: false,
    ...options,
  });
}

describe('runPretraining on tfjs', () => {
  let uninterrupted: Awaited<ReturnType<typeof run>>;

  it('trains the tiny ModernBERT from the research-style YAML: MLM loss falls, eval loss falls, HF checkpoints', async () => {
    uninterrupted = await run('full');
    expect(uninterrupted.completed).toBe(true);
    expect(uninterrupted.timestamp.batch).toBe(16);
    const losses = uninterrupted.history.map((h) => h.loss);
    const first = (losses[0]! + losses[1]! + losses[2]!) / 3;
    const last = (losses[13]! + losses[14]! + losses[15]!) / 3;
    expect(last).toBeLessThan(first - 0.5);
    expect(uninterrupted.evals.length).toBe(2);
    expect(uninterrupted.evals[1]!.loss).toBeLessThan(uninterrupted.evals[0]!.loss);
    const folders = (await readdir(join(root, 'full', 'tiny_run'))).sort();
    expect(folders).toEqual(['ep0-ba12', 'ep0-ba16', 'ep0-ba4', 'ep0-ba8', 'metrics.jsonl'].sort());
    const files = await readdir(uninterrupted.finalCheckpoint!);
    expect(files).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'optimizer.safetensors']));
    const saved = JSON.parse(await readFile(join(uninterrupted.finalCheckpoint!, 'config.json'), 'utf8'));
    expect(saved.architectures).toEqual(['ModernBertForMaskedLM']);
  });

  it('writes a final checkpoint that loads back in @bcmb/modeling with the same eval loss and accuracy', async () => {
    const engine = await createTfjsEngine({
      modelDir: uninterrupted.finalCheckpoint!,
      maxLr: 1,
      betas: [0.9, 0.98],
      eps: 1e-6,
      weightDecay: 0,
      filterBiasNormWd: true,
      maskTokenId: TINY_IDS.mask,
      onWarning: () => {},
    });
    const special = new Set([TINY_IDS.pad, TINY_IDS.mask, TINY_IDS.cls, TINY_IDS.sep]);
    const sequences = await evalSequences(await MdsDataset.open(join(root, 'mds', 'eval')), {
      maxSeqLen: 32,
      mlmProbability: 0.15,
      maskTokenId: TINY_IDS.mask,
      vocabSize: 1024,
      isSpecial: (id) => special.has(id),
      seed: 17,
    });
    const result = await engine.evaluate(sequences);
    engine.dispose();
    const last = uninterrupted.evals[uninterrupted.evals.length - 1]!;
    expect(result.lossSum / result.labelled).toBe(last.loss);
    expect(result.correct / result.labelled).toBe(last.accuracy);
  });

  it('resumed after an interruption (checkpoint at batch 8, stopped at 10), ends with the same loss curve', async () => {
    const interrupted = await run('resumed', { stopAfterBatches: 10 });
    expect(interrupted.completed).toBe(false);
    const resumed = await run('resumed', { resume: true });
    expect(resumed.completed).toBe(true);
    expect(resumed.history).toEqual(uninterrupted.history);
    expect(resumed.evals).toEqual(uninterrupted.evals);
  });
});
