import { familyOf, loadWeights, readConfig, taskFromArchitectures } from '@bcmb/architectures';
import { describe, expect, it } from 'vitest';
import { forwardReference, modelDir, type RefTensor, readGzipFixture } from './testing/fixtures.js';
import { TrainingSession } from './training/session.js';
import { decaysWeight, trainingModelOf } from './training-graph.js';

// The tfjs engine's tolerances for the recorded steps.
const LOSS_RELATIVE_TOLERANCE = 1e-5;
const NORM_RELATIVE_TOLERANCE = 1e-5;
const PARAM_TOLERANCE = 1e-6;

interface TrainStepReference {
  checkpoint: string;
  config_overrides: Record<string, number>;
  optimizer: { lr: number; weight_decay: number; decay_parameters: string[]; no_decay_parameters: string[] };
  steps: {
    step: number;
    loss: number;
    global_grad_norm_pre_clip: number;
    params_after: Record<string, RefTensor>;
    embedding_rows_after: { param: string; token_ids: number[]; rows: RefTensor };
  }[];
}

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < actual.length; i++)
    max = Math.max(max, Math.abs((actual[i] as number) - (expected[i] as number)));
  return max;
}

const int64 = (t: RefTensor) => ({ data: BigInt64Array.from(t.data, (v) => BigInt(v)), dims: t.shape });

describe.each(['bert', 'modernbert'] as const)('%s on the ONNX training engine', (family) => {
  it('reproduces both reference training steps: loss, pre-clip grad norm and updated parameters', async () => {
    const ref = readGzipFixture<TrainStepReference>(`reference/modeling/${family}_train_step.json.gz`);
    const dir = modelDir(ref.checkpoint);
    const config = await readConfig(dir, ref.config_overrides);
    const task = taskFromArchitectures(config);
    const built = trainingModelOf(config, task, (await loadWeights(dir)).stateDict, {
      problemType: config.problemType ?? 'single_label_classification',
    });
    expect(built.dropoutMasks).toEqual([]);
    // The Trainer's decay groups, from the family's parameter roles.
    const decay = built.parameters.filter(decaysWeight).map((spec) => spec.name);
    expect(new Set(decay)).toEqual(new Set(ref.optimizer.decay_parameters));
    const session = await TrainingSession.create(built.model, { weightDecay: ref.optimizer.weight_decay });
    const input = forwardReference(family).inputs['batch_a'] as unknown as Record<string, RefTensor>;
    const batch: Record<string, { data: BigInt64Array; dims: number[] }> = {
      input_ids: int64(input['input_ids'] as RefTensor),
      attention_mask: int64(input['attention_mask'] as RefTensor),
      labels: int64(input['seqcls_labels'] as RefTensor),
    };
    if (familyOf(config).usesTokenTypes) {
      const shape = (input['input_ids'] as RefTensor).shape;
      batch['token_type_ids'] = { data: new BigInt64Array(shape[0]! * shape[1]!), dims: shape };
    }
    for (const step of ref.steps) {
      const result = await session.step(batch, ref.optimizer.lr);
      expect(relative(result.loss, step.loss)).toBeLessThan(LOSS_RELATIVE_TOLERANCE);
      expect(relative(result.gradNorm as number, step.global_grad_norm_pre_clip)).toBeLessThan(
        NORM_RELATIVE_TOLERANCE,
      );
      for (const [name, expected] of Object.entries(step.params_after))
        expect(
          maxAbsDiff(session.parameter(name), expected.data),
          `${name} after step ${step.step}`,
        ).toBeLessThan(PARAM_TOLERANCE);
      const rows = step.embedding_rows_after;
      const table = session.parameter(rows.param);
      const width = rows.rows.shape[1] as number;
      rows.token_ids.forEach((id, r) => {
        const actual = table.subarray(id * width, (id + 1) * width);
        const expected = rows.rows.data.slice(r * width, (r + 1) * width);
        expect(maxAbsDiff(actual, expected), `${rows.param} row ${id}`).toBeLessThan(PARAM_TOLERANCE);
      });
    }
    await session.release();
  });
});

describe('dropout drawn inside the training graph', () => {
  it('trains tiny BERT (dropout 0.1): the loss differs from the eval-mode loss and falls over steps', async () => {
    const dir = modelDir('tiny-bert-seqcls');
    const config = await readConfig(dir);
    expect((config as { hiddenDropoutProb: number }).hiddenDropoutProb).toBeGreaterThan(0);
    const built = trainingModelOf(config, 'sequence-classification', (await loadWeights(dir)).stateDict, {
      problemType: 'single_label_classification',
      dropoutMasks: 'graph',
    });
    expect(built.dropoutMasks).toEqual([]);
    const session = await TrainingSession.create(built.model, { weightDecay: 0.01 });
    const input = forwardReference('bert').inputs['batch_a'] as unknown as Record<string, RefTensor>;
    const ids = input['input_ids'] as RefTensor;
    const batch = {
      input_ids: int64(ids),
      attention_mask: int64(input['attention_mask'] as RefTensor),
      token_type_ids: { data: new BigInt64Array(ids.data.length), dims: ids.shape },
      labels: int64(input['seqcls_labels'] as RefTensor),
    };
    const evalLoss = forwardReference('bert').checkpoints['tiny-bert-seqcls']?.by_input?.[
      'batch_a'
    ] as unknown as {
      loss: number;
    };
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) losses.push((await session.step(batch, 1e-3)).loss);
    expect(losses[0]).not.toBeCloseTo(evalLoss.loss, 6);
    expect(Math.min(...losses.slice(-5))).toBeLessThan(losses[0] as number);
    await session.release();
  });
});
