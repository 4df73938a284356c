import type { ProblemType } from '@bcmb/datasets';
import { fromPretrained, initBackend } from '@bcmb/modeling';
import { beforeAll, describe, expect, it } from 'vitest';
import { bestMetricFor, taskMetrics } from '../evaluation.js';
import { fixtureModelDir } from '../testing/reference.js';
import { randomExamples } from '../testing/synthetic.js';
import { Trainer, type TrainingArguments } from '../trainer.js';
import type { TrainingEngineName } from './engine.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
});

/** Dropout off in both families, so both engines compute the same function. */
const NO_DROPOUT = {
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  classifier_dropout: 0,
  attention_dropout: 0,
  mlp_dropout: 0,
  embedding_dropout: 0,
};

interface Case {
  model: string;
  kind: ProblemType;
  labels: number;
  args?: Partial<TrainingArguments>;
}

async function trainOn(engine: TrainingEngineName, c: Case) {
  const model = await fromPretrained(fixtureModelDir(c.model), {
    configOverrides: NO_DROPOUT,
    onWarning: () => {},
  });
  const examples = (count: number, seed: number) =>
    c.kind === 'multi_label'
      ? // Multi-hot rows: the drawn class and the one after it.
        randomExamples(count, 'single_label', c.labels, seed).map((e) => ({
          ...e,
          label: Array.from({ length: c.labels }, (_, i) =>
            i === e.label || i === ((e.label as number) + 1) % c.labels ? 1 : 0,
          ),
        }))
      : randomExamples(count, c.kind, c.labels, seed);
  const train = examples(40, 11);
  const validation = examples(12, 12);
  const labelNames =
    c.kind === 'token'
      ? ['O', 'B-PROBLEM', 'I-PROBLEM', 'B-TEST', 'I-TEST', 'B-TREATMENT', 'I-TREATMENT'].slice(0, c.labels)
      : Array.from({ length: c.labels }, (_, i) => `label${i}`);
  const trainer = new Trainer({
    engine,
    model,
    kind: c.kind,
    padTokenId: 0,
    train,
    validation,
    computeMetrics: taskMetrics(c.kind, labelNames),
    args: {
      learningRate: 3e-4,
      epochs: 5,
      batchSize: 4,
      loggingSteps: 1,
      seed: 5,
      metricForBestModel: bestMetricFor(c.kind),
      ...c.args,
    },
  });
  try {
    const output = await trainer.train();
    const after = await trainer.evaluate(validation, 'after');
    return { history: output.logHistory, after, name: await trainer.engineName() };
  } finally {
    await trainer.dispose();
    model.dispose();
  }
}

const CASES: Case[] = [
  { model: 'tiny-bert-seqcls', kind: 'single_label', labels: 3 },
  { model: 'tiny-bert-tokcls', kind: 'token', labels: 7 },
  { model: 'tiny-bert-seqcls-multilabel', kind: 'multi_label', labels: 5 },
  { model: 'tiny-modernbert-seqcls', kind: 'single_label', labels: 3 },
  { model: 'tiny-modernbert-tokcls', kind: 'token', labels: 7 },
  {
    model: 'tiny-bert-seqcls',
    kind: 'single_label',
    labels: 3,
    args: { batchSize: 8, accumulationSteps: 2, microBatchSize: 3, epochs: 17 },
  },
];

describe('the ONNX engine trains as the tfjs engine does (dropout off)', () => {
  it.each(CASES)('$model ($kind, $args): same 50-step loss curve within 1e-4', async (c) => {
    const onnx = await trainOn('onnx', c);
    const tfjs = await trainOn('tfjs', c);
    expect([onnx.name, tfjs.name]).toEqual(['onnx', 'tfjs']);
    const steps = (history: typeof onnx.history) => history.filter((e) => e['loss'] !== undefined);
    const [a, b] = [steps(onnx.history), steps(tfjs.history)];
    expect(a.length).toBeGreaterThanOrEqual(50);
    expect(a.map((e) => e['step'])).toEqual(b.map((e) => e['step']));
    a.forEach((entry, i) => {
      // Logged losses carry 4 decimals: two curves within 5e-5 differ by at most one unit there.
      expect(Math.abs(entry['loss']! - b[i]!['loss']!)).toBeLessThanOrEqual(1.0000001e-4);
      expect(entry['grad_norm']!).toBeCloseTo(b[i]!['grad_norm']!, 3);
      expect(entry['learning_rate']).toBe(b[i]!['learning_rate']);
    });
    // The loss moved: the curves compared are a training run, not a flat line.
    expect(Math.abs(a[0]!['loss']! - a[a.length - 1]!['loss']!)).toBeGreaterThan(1e-2);
    expect(Math.abs(onnx.after['after_loss']! - tfjs.after['after_loss']!)).toBeLessThanOrEqual(1e-4);
  });
});
