import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProblemType } from '@bcmb/datasets';
import { initBackend } from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAINING_ENGINES, type TrainingEngineName } from './engines/engine.js';
import { bestMetricFor, taskMetrics } from './evaluation.js';
import { randomExamples, tinyModel } from './testing/synthetic.js';
import { Trainer, type TrainingArguments } from './trainer.js';

const TOKEN_LABELS = ['O', 'B-PROBLEM', 'I-PROBLEM', 'B-TEST', 'I-TEST', 'B-TREATMENT', 'I-TREATMENT'];
const SEQUENCE_LABELS = ['a', 'b', 'c'];

let outputRoot: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
  outputRoot = await mkdtemp(join(tmpdir(), 'bcmb-trainer-'));
});
afterAll(async () => {
  await rm(outputRoot, { recursive: true, force: true });
});

interface RunOptions {
  engine: TrainingEngineName;
  kind: ProblemType;
  args: Partial<TrainingArguments>;
  count?: number;
  outputDir?: string;
  resume?: boolean;
  /** Abort (as if killed) once this many epochs were evaluated and checkpointed. */
  abortAfterEpochs?: number;
}

async function run(options: RunOptions) {
  const token = options.kind === 'token';
  const labels = token ? TOKEN_LABELS : SEQUENCE_LABELS;
  const model = await tinyModel(token ? 'tiny-bert-tokcls' : 'tiny-bert-seqcls');
  const train = randomExamples(options.count ?? 32, options.kind, labels.length, 1);
  const abort = new AbortController();
  let evaluations = 0;
  const trainer = new Trainer({
    engine: options.engine,
    onLog: (entry) => {
      if (entry['eval_loss'] !== undefined && ++evaluations === options.abortAfterEpochs) abort.abort();
    },
    model,
    kind: options.kind,
    padTokenId: 0,
    train,
    validation: train,
    computeMetrics: taskMetrics(options.kind, labels),
    args: { metricForBestModel: bestMetricFor(options.kind), ...options.args },
    ...(options.outputDir ? { outputDir: options.outputDir } : {}),
  });
  try {
    const output = await trainer.train({ resume: options.resume === true, signal: abort.signal });
    const onTrain = await trainer.evaluate(train, 'train_eval');
    return { output, onTrain };
  } finally {
    await trainer.dispose();
    model.dispose();
  }
}

const lossCurve = (history: readonly Record<string, number>[]) =>
  history
    .filter((e) => e['loss'] !== undefined)
    .map((e) => [e['step'], e['loss'], e['grad_norm'], e['learning_rate']]);

describe.each(TRAINING_ENGINES)('Trainer on the %s engine', (engine) => {
  it('overfits 32 random sequence-classification examples to ≥ 0.95 training accuracy', async () => {
    const { onTrain } = await run({
      engine,
      kind: 'single_label',
      args: { learningRate: 5e-3, epochs: 20, batchSize: 16, weightDecay: 0 },
    });
    expect(onTrain['train_eval_accuracy']).toBeGreaterThanOrEqual(0.95);
  });

  it('overfits 32 token-classification examples to ≥ 0.95 training accuracy', async () => {
    const { onTrain } = await run({
      engine,
      kind: 'token',
      args: { learningRate: 5e-3, epochs: 20, batchSize: 16, weightDecay: 0 },
    });
    expect(onTrain['train_eval_accuracy']).toBeGreaterThanOrEqual(0.95);
  });

  it('gives an identical loss curve for the same seed (dropout on) and a different one for another seed', async () => {
    const args = { learningRate: 1e-3, epochs: 2, batchSize: 4, loggingSteps: 1, accumulationSteps: 2 };
    const a = await run({ engine, kind: 'single_label', count: 16, args: { ...args, seed: 7 } });
    const b = await run({ engine, kind: 'single_label', count: 16, args: { ...args, seed: 7 } });
    const c = await run({ engine, kind: 'single_label', count: 16, args: { ...args, seed: 8 } });
    expect(lossCurve(a.output.logHistory).length).toBe(4);
    expect(lossCurve(b.output.logHistory)).toEqual(lossCurve(a.output.logHistory));
    expect(lossCurve(c.output.logHistory)).not.toEqual(lossCurve(a.output.logHistory));
  });

  it('resumed from an epoch checkpoint, ends with the same weights-derived metrics as an uninterrupted run', async () => {
    const args = { learningRate: 1e-3, epochs: 3, batchSize: 8, loggingSteps: 1, seed: 3 };
    const whole = await run({
      engine,
      kind: 'token',
      count: 16,
      args,
      outputDir: join(outputRoot, engine, 'whole'),
    });
    const split = join(outputRoot, engine, 'split');
    await expect(
      run({ engine, kind: 'token', count: 16, args, outputDir: split, abortAfterEpochs: 1 }),
    ).rejects.toThrow(/stopped/);
    expect(await readdir(split)).toEqual(['checkpoint-2']);
    const resumed = await run({ engine, kind: 'token', count: 16, args, outputDir: split, resume: true });
    expect(resumed.output.resumedFrom).toMatch(/checkpoint-2$/);
    expect(resumed.onTrain['train_eval_loss']).toBe(whole.onTrain['train_eval_loss']);
    expect(lossCurve(resumed.output.logHistory)).toEqual(lossCurve(whole.output.logHistory));
    const checkpoints = (await readdir(join(outputRoot, engine, 'whole'))).sort();
    expect(checkpoints.length).toBeLessThanOrEqual(2);
  });

  it('leaves no tensors behind after training and evaluation', async () => {
    const before = tf.memory().numTensors;
    await run({
      engine,
      kind: 'single_label',
      count: 8,
      args: { epochs: 1, batchSize: 4 },
      outputDir: join(outputRoot, engine, 'leak'),
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
