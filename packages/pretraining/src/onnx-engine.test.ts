import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MdsDataset } from '@bcmb/mds';
import { initBackend } from '@bcmb/modeling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalSequences } from './data.js';
import { createOnnxEngine } from './onnx-engine.js';
import { loadPretrainConfig, type PretrainConfig } from './pretrain-config.js';
import type { EngineFactory } from './run.js';
import { runPretraining } from './run.js';
import { TINY_IDS, TINY_MODEL, writeSyntheticSplits, writeTinyConfig } from './test-run-support.js';
import { createTfjsEngine } from './tfjs-engine.js';

// Float32 on two engines with different kernel orders: losses agree to this absolute tolerance (issue 14).
const CURVE_TOLERANCE = 1e-4;

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
  root = await mkdtemp(join(tmpdir(), 'bcmb-pretrain-onnx-'));
  await writeSyntheticSplits(join(root, 'mds'), 120, 24);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const tfjs =
  (config: PretrainConfig): EngineFactory =>
  (dir) =>
    createTfjsEngine({
      modelDir: dir,
      maxLr: config.lr,
      betas: config.betas,
      eps: config.eps,
      weightDecay: config.weightDecay,
      filterBiasNormWd: config.filterBiasNormWd,
      maskTokenId: TINY_IDS.mask,
      onWarning: () => {},
    });

const onnx =
  (config: PretrainConfig): EngineFactory =>
  (dir) =>
    createOnnxEngine({
      modelDir: dir,
      maxLr: config.lr,
      betas: config.betas,
      eps: config.eps,
      weightDecay: config.weightDecay,
      filterBiasNormWd: config.filterBiasNormWd,
      maskTokenId: TINY_IDS.mask,
      rowsPerStep: config.globalTrainBatchSize / config.microBatchSize,
    });

async function run(name: string, engine: (config: PretrainConfig) => EngineFactory) {
  const configPath = join(root, `${name}.yaml`);
  await writeTinyConfig(configPath, join(root, 'mds'), join(root, name));
  const config = await loadPretrainConfig(configPath, {
    overrides: ['max_duration=10ba', 'eval_interval=5ba', 'save_interval=5ba'],
  });
  return runPretraining({
    config,
    modelDir: TINY_MODEL,
    tokenizerDir: null,
    createEngine: engine(config),
    log: () => {},
    progress: false,
  });
}

describe('the ONNX Runtime pretraining engine', () => {
  let onnxRun: Awaited<ReturnType<typeof run>>;

  it('gives the loss curve, grad norms and eval losses of the tfjs engine within 1e-4 over 10 StableAdamW steps', async () => {
    const reference = await run('tfjs', tfjs);
    onnxRun = await run('onnx', onnx);
    expect(onnxRun.completed).toBe(true);
    expect(onnxRun.history.length).toBe(10);
    onnxRun.history.forEach((step, i) => {
      const expected = reference.history[i]!;
      expect(step.tokens).toBe(expected.tokens);
      expect(step.lr).toBe(expected.lr);
      expect(Math.abs(step.loss - expected.loss), `loss at batch ${step.batch}`).toBeLessThan(
        CURVE_TOLERANCE,
      );
      expect(Math.abs(step.gradNorm - expected.gradNorm) / expected.gradNorm).toBeLessThan(CURVE_TOLERANCE);
    });
    const losses = onnxRun.history.map((h) => h.loss);
    expect(losses[9]!).toBeLessThan(losses[0]!);
    expect(onnxRun.evals.length).toBe(2);
    onnxRun.evals.forEach((entry, i) => {
      expect(Math.abs(entry.loss - reference.evals[i]!.loss)).toBeLessThan(CURVE_TOLERANCE);
    });
  });

  it('writes a Hugging Face checkpoint that @bcmb/modeling loads with the eval loss the ONNX engine measured', async () => {
    const saved = JSON.parse(await readFile(join(onnxRun.finalCheckpoint!, 'config.json'), 'utf8'));
    expect(saved.architectures).toEqual(['ModernBertForMaskedLM']);
    const engine = await createTfjsEngine({
      modelDir: onnxRun.finalCheckpoint!,
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
    const last = onnxRun.evals[onnxRun.evals.length - 1]!;
    expect(result.labelled).toBeGreaterThan(0);
    expect(Math.abs(result.lossSum / result.labelled - last.loss)).toBeLessThan(CURVE_TOLERANCE);
    expect(result.correct / result.labelled).toBeCloseTo(last.accuracy, 6);
  });

  it('resumed in a new engine from its batch-5 checkpoint, ends with the uninterrupted curve', async () => {
    const partial = await run('onnx-resumed', onnx);
    expect(partial.completed).toBe(true);
    // Restart from the batch-5 checkpoint that run left, as --resume does after a kill.
    const configPath = join(root, 'onnx-resumed.yaml');
    const config = await loadPretrainConfig(configPath, {
      overrides: ['max_duration=10ba', 'eval_interval=5ba', 'save_interval=5ba'],
    });
    await rm(join(root, 'onnx-resumed', 'tiny_run', 'ep1-ba10'), { recursive: true });
    const resumed = await runPretraining({
      config,
      modelDir: TINY_MODEL,
      tokenizerDir: null,
      createEngine: onnx(config),
      resume: true,
      log: () => {},
      progress: false,
    });
    expect(resumed.history).toEqual(onnxRun.history);
    expect(resumed.evals).toEqual(onnxRun.evals);
  });
});
