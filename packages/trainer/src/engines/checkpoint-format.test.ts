import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '@bcmb/architectures';
import { fromPretrained, initBackend } from '@bcmb/modeling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMetricFor, taskMetrics } from '../evaluation.js';
import { fixtureModelDir } from '../testing/reference.js';
import { randomExamples } from '../testing/synthetic.js';
import { Trainer } from '../trainer.js';
import type { TrainingEngineName } from './engine.js';

const LABELS = ['O', 'B-PROBLEM', 'I-PROBLEM', 'B-TEST', 'I-TEST', 'B-TREATMENT', 'I-TREATMENT'];
let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
  root = await mkdtemp(join(tmpdir(), 'bcmb-engine-checkpoints-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function train(
  engine: TrainingEngineName,
  outputDir: string,
  options: { resume?: boolean; stopAfterEpochs?: number } = {},
) {
  const model = await fromPretrained(fixtureModelDir('tiny-bert-tokcls'), {
    configOverrides: { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 },
    onWarning: () => {},
  });
  const examples = randomExamples(16, 'token', LABELS.length, 4);
  const abort = new AbortController();
  let evaluations = 0;
  const trainer = new Trainer({
    engine,
    model,
    kind: 'token',
    padTokenId: 0,
    train: examples,
    validation: examples,
    computeMetrics: taskMetrics('token', LABELS),
    outputDir,
    onLog: (entry) => {
      if (entry['eval_loss'] !== undefined && ++evaluations === options.stopAfterEpochs) abort.abort();
    },
    args: {
      learningRate: 1e-3,
      epochs: 2,
      batchSize: 8,
      loggingSteps: 1,
      seed: 9,
      metricForBestModel: bestMetricFor('token'),
    },
  });
  try {
    const output = await trainer.train({ resume: options.resume === true, signal: abort.signal });
    return { output, final: await trainer.evaluate(examples, 'final') };
  } finally {
    await trainer.dispose();
    model.dispose();
  }
}

async function describeCheckpoint(dir: string) {
  const headers = async (file: string) =>
    [...(await readSafetensors(join(dir, file)))].map(([name, t]) => `${name} [${t.shape.join(', ')}]`);
  const state = JSON.parse(await readFile(join(dir, 'trainer_state.json'), 'utf8'));
  return {
    files: (await readdir(dir)).sort(),
    config: await readFile(join(dir, 'config.json'), 'utf8'),
    weights: await headers('model.safetensors'),
    optimizer: await headers('optimizer.safetensors'),
    trainingArgs: await readFile(join(dir, 'training_args.json'), 'utf8'),
    stateKeys: Object.keys(state).sort(),
    logKeys: state.log_history.map((entry: Record<string, number>) => Object.keys(entry).sort().join(',')),
  };
}

describe('checkpoints do not depend on the engine that wrote them', () => {
  it('onnx and tfjs write the same files, names, shapes, config and state keys', async () => {
    await train('onnx', join(root, 'onnx'));
    await train('tfjs', join(root, 'tfjs'));
    const [onnx] = await readdir(join(root, 'onnx'));
    const [tfjs] = await readdir(join(root, 'tfjs'));
    expect(onnx).toBe(tfjs);
    expect(await describeCheckpoint(join(root, 'onnx', onnx!))).toEqual(
      await describeCheckpoint(join(root, 'tfjs', tfjs!)),
    );
  });

  it.each([
    ['onnx', 'tfjs'],
    ['tfjs', 'onnx'],
  ] as const)(
    'a run stopped on %s resumes on %s and ends where an uninterrupted run ends',
    async (first, second) => {
      const dir = join(root, `${first}-then-${second}`);
      await expect(train(first, dir, { stopAfterEpochs: 1 })).rejects.toThrow(/stopped/);
      const resumed = await train(second, dir, { resume: true });
      const whole = await train(second, join(root, `${second}-whole-${first}`));
      expect(resumed.output.resumedFrom).toMatch(/checkpoint-2$/);
      expect(Math.abs(resumed.final['final_loss']! - whole.final['final_loss']!)).toBeLessThanOrEqual(1e-4);
    },
  );
});
