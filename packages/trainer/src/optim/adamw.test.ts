import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, type RefTensor, readTrainStepReference } from '../testing/reference.js';
import { AdamW } from './adamw.js';
import { clipCoefficient, globalNorm } from './clip.js';
import { decayParameterNames, weightDecayByParameter } from './param-groups.js';

const PARAM_TOLERANCE = 1e-6;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['bert', 'modernbert'] as const)('%s reference training step, optimizer side', (family) => {
  const ref = readTrainStepReference(family);
  const allNames = [...ref.optimizer.decay_parameters, ...ref.optimizer.no_decay_parameters];

  it("forms the Trainer's decay / no-decay groups from the parameter names", () => {
    const decay = decayParameterNames(allNames);
    expect([...decay].sort()).toEqual([...ref.optimizer.decay_parameters].sort());
  });

  it('computes the pre-clip global norm and clip coefficient of both steps from per-parameter norms', () => {
    for (const step of ref.steps) {
      const total = globalNorm(Object.values(step.per_param_grad_norm_pre_clip));
      expect(Math.abs(total - step.global_grad_norm_pre_clip) / step.global_grad_norm_pre_clip).toBeLessThan(
        1e-6,
      );
      expect(clipCoefficient(total)).toBeCloseTo(step.clip_coef, 7);
    }
  });

  it('reproduces params_after of both steps within 1e-6 from the recorded pre-clip gradients', () => {
    const embeddingName = ref.embedding_rows_before.param;
    const before: Record<string, RefTensor> = {
      ...ref.params_before,
      [embeddingName]: ref.embedding_rows_before.rows,
    };
    const variables = new Map(
      Object.entries(before).map(([name, t]) => [name, tf.variable(tf.tensor(t.data, t.shape, 'float32'))]),
    );
    const decay = weightDecayByParameter(allNames, ref.optimizer.weight_decay);
    const optimizer = new AdamW(variables, new Map([...variables.keys()].map((n) => [n, decay.get(n)!])));
    for (const step of ref.steps) {
      const coef = clipCoefficient(globalNorm(Object.values(step.per_param_grad_norm_pre_clip)));
      const recorded: Record<string, RefTensor> = {
        ...step.grads_pre_clip,
        [embeddingName]: step.embedding_grad_rows_pre_clip.rows,
      };
      const grads = new Map(
        Object.entries(recorded).map(([name, t]) => [
          name,
          tf.mul(tf.tensor(t.data, t.shape, 'float32'), coef),
        ]),
      );
      optimizer.step(grads, ref.optimizer.lr);
      for (const g of grads.values()) g.dispose();
      const expected: Record<string, RefTensor> = {
        ...step.params_after,
        [embeddingName]: step.embedding_rows_after.rows,
      };
      for (const [name, t] of Object.entries(expected)) {
        expect(maxAbsDiff(variables.get(name)!.dataSync(), t.data), `${name} step ${step.step}`).toBeLessThan(
          PARAM_TOLERANCE,
        );
      }
    }
    optimizer.dispose();
    for (const v of variables.values()) v.dispose();
  });
});

describe('AdamW', () => {
  it('leaves no tensors behind across steps', () => {
    const variables = new Map([['w', tf.variable(tf.ones([4, 4]))]]);
    const optimizer = new AdamW(variables, new Map([['w', 0.01]]));
    const grad = tf.fill([4, 4], 0.5);
    optimizer.step(new Map([['w', grad]]), 1e-3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) optimizer.step(new Map([['w', grad]]), 1e-3);
    expect(tf.memory().numTensors).toBe(before);
    grad.dispose();
    optimizer.dispose();
    variables.get('w')!.dispose();
  });

  it('restores its moments and step count from state()', async () => {
    const make = () => new Map([['w', tf.variable(tf.tensor([1, -2, 3]))]]);
    const groups = new Map([['w', 0.01]]);
    const grad = tf.tensor([0.3, -0.1, 0.7]);
    const a = make();
    const optA = new AdamW(a, groups);
    optA.step(new Map([['w', grad]]), 1e-2);
    const b = make();
    b.get('w')!.assign(a.get('w')!);
    const optB = new AdamW(b, groups);
    optB.loadState(await optA.state());
    optA.step(new Map([['w', grad]]), 1e-2);
    optB.step(new Map([['w', grad]]), 1e-2);
    expect(b.get('w')!.dataSync()).toEqual(a.get('w')!.dataSync());
    expect(optB.stepCount).toBe(2);
    for (const x of [grad, a.get('w')!, b.get('w')!]) x.dispose();
    optA.dispose();
    optB.dispose();
  });
});
