import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MdsDataset } from '@bcmb/mds';
import { initBackend } from '@bcmb/modeling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalSequences } from './data.js';
import { loadPretrainConfig } from './pretrain-config.js';
import { runPretraining } from './run.js';
import { TINY_IDS, TINY_MODEL, writeSyntheticSplits, writeTinyConfig } from './test-run-support.js';
import { createTfjsEngine } from './tfjs-engine.js';

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
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

  it('stops early without a final checkpoint when asked (time-boxed runs)', async () => {
    const partial = await run('partial', { stopAfterBatches: 2 });
    expect(partial.completed).toBe(false);
    expect(partial.timestamp.batch).toBe(2);
    expect(await readdir(join(root, 'partial', 'tiny_run'))).toEqual(['metrics.jsonl']);
  });

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
    expect(folders, folders.join(' ')).toEqual([
      'ep0-ba12',
      'ep0-ba4',
      'ep0-ba8',
      'ep1-ba16',
      'metrics.jsonl',
    ]);
    const files = await readdir(uninterrupted.finalCheckpoint!);
    expect(files).toEqual(
      expect.arrayContaining(['config.json', 'model.safetensors', 'optimizer.safetensors']),
    );
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

  it('resumed from what a run killed after batch 10 leaves (checkpoint ba8, a half-written temp folder), ends with the same loss curve', async () => {
    // A run killed after batch 10 leaves its batch-8 checkpoint and, if it died while saving, a temp folder.
    const folder = join(root, 'resumed', 'tiny_run');
    await mkdir(folder, { recursive: true });
    await cp(join(root, 'full', 'tiny_run', 'ep0-ba8'), join(folder, 'ep0-ba8'), { recursive: true });
    await mkdir(join(folder, '.ep0-ba12.4242.deadbeef.tmp'));
    await writeFile(join(folder, '.ep0-ba12.4242.deadbeef.tmp', 'model.safetensors'), 'partial');
    const resumed = await run('resumed', { resume: true });
    expect(resumed.completed).toBe(true);
    expect(resumed.history).toEqual(uninterrupted.history);
    expect(resumed.evals).toEqual(uninterrupted.evals);
  });
});
