import { readFileSync } from 'node:fs';
import { GraphBuilder, stableAdamW, TrainingSession } from '@bcmb/onnx';
import { describe, expect, it } from 'vitest';
import { debiasBeta, StableAdamW, stableAdamWDecayGroups } from './stable-adamw.js';

type Nested = number | Nested[];
interface Reference {
  betas: [number, number];
  eps: number;
  params0: Record<string, Nested>;
  groups: { no_decay: string[]; decay: string[] };
  grads_per_step: Record<string, Nested>[];
  settings: {
    lr: number;
    weight_decay: number;
    max_lr: number;
    schedule: string;
    lr_per_step: number[];
    history_float32: {
      step: number;
      beta1_comp: number;
      beta2_hat: number;
      params: Record<string, Nested>;
      rms: Record<string, number>;
    }[];
  }[];
}
const ref = JSON.parse(
  readFileSync(new URL('../fixtures/schedules/stableadamw.json', import.meta.url), 'utf8'),
) as Reference;

const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
const shapeOf = (x: Nested): number[] => (Array.isArray(x) ? [x.length, ...shapeOf(x[0] as Nested)] : []);

describe('StableAdamW', () => {
  it('puts biases and 1-D norm weights in the no-decay group (filter_bias_norm_wd)', () => {
    const shapes = new Map(Object.entries(ref.params0).map(([k, v]) => [k, shapeOf(v)]));
    const groups = stableAdamWDecayGroups(shapes, 1e-5);
    expect(
      [...groups]
        .filter(([, wd]) => wd === 0)
        .map(([k]) => k)
        .sort(),
    ).toEqual([...ref.groups.no_decay].sort());
    expect(
      [...groups]
        .filter(([, wd]) => wd > 0)
        .map(([k]) => k)
        .sort(),
    ).toEqual([...ref.groups.decay].sort());
  });

  it.each(ref.settings.map((s, i) => [i, s.lr, s.weight_decay, s.schedule, s] as const))(
    'follows the float32 reference trajectory within 1e-6 (setting %i: lr %s, wd %s, %s)',
    (_, _lr, _wd, _schedule, setting) => {
      const params = new Map(Object.entries(ref.params0).map(([k, v]) => [k, Float32Array.from(flat(v))]));
      const shapes = new Map(Object.entries(ref.params0).map(([k, v]) => [k, shapeOf(v)]));
      const optimizer = new StableAdamW(stableAdamWDecayGroups(shapes, setting.weight_decay), {
        maxLr: setting.max_lr,
        betas: ref.betas,
        eps: ref.eps,
      });
      let worst = 0;
      ref.grads_per_step.forEach((gradients, s) => {
        const grads = new Map(Object.entries(gradients).map(([k, v]) => [k, Float32Array.from(flat(v))]));
        const report = optimizer.update(params, grads, setting.lr_per_step[s] as number);
        const expected = setting.history_float32[s];
        if (expected === undefined) throw new Error('missing reference step');
        expect(1 - debiasBeta(ref.betas[0], expected.step)).toBeCloseTo(expected.beta1_comp, 15);
        expect(debiasBeta(ref.betas[1], expected.step)).toBeCloseTo(expected.beta2_hat, 15);
        for (const [name, values] of Object.entries(expected.params)) {
          const ours = params.get(name) as Float32Array;
          flat(values).forEach((value, i) => {
            worst = Math.max(worst, Math.abs((ours[i] as number) - value));
          });
          expect(report.rms.get(name)).toBeCloseTo(expected.rms[name] as number, 5);
        }
      });
      expect(worst).toBeLessThan(1e-6);
    },
  );
});

/**
 * A graph whose gradient with respect to each parameter is a fed tensor (loss = Σ p·G): TrainingSession then
 * applies the ONNX optimizer to exactly the reference gradients.
 */
function gradientFeedingModel(
  params: Map<string, Float32Array>,
  shapes: Map<string, number[]>,
  decay: Set<string>,
) {
  const g = new GraphBuilder();
  const terms: string[] = [];
  for (const [name, shape] of shapes) {
    const p = g.input(name, 'float32', shape);
    const target = g.input(`${name}.target_grad`, 'float32', shape);
    terms.push(g.one('ReduceSum', [g.one('Mul', [p, target])], { keepdims: 0 }));
  }
  const loss = terms.reduce((a, b) => g.one('Add', [a, b]));
  return {
    graph: g,
    loss,
    parameters: [...params].map(([name, data]) => ({ name, data, decay: decay.has(name) })),
  };
}

describe('StableAdamW as ONNX graph nodes (TrainingSession optimizer)', () => {
  it.each(ref.settings.map((s, i) => [i, s.lr, s.weight_decay, s.schedule, s] as const))(
    'follows the float32 reference trajectory within 1e-6 (setting %i: lr %s, wd %s, %s)',
    async (_, _lr, _wd, _schedule, setting) => {
      const params = new Map(Object.entries(ref.params0).map(([k, v]) => [k, Float32Array.from(flat(v))]));
      const shapes = new Map(Object.entries(ref.params0).map(([k, v]) => [k, shapeOf(v)]));
      const groups = stableAdamWDecayGroups(shapes, setting.weight_decay);
      const decay = new Set([...groups].filter(([, wd]) => wd > 0).map(([k]) => k));
      const session = await TrainingSession.create(gradientFeedingModel(params, shapes, decay), {
        optimizer: stableAdamW({
          beta1: ref.betas[0],
          beta2: ref.betas[1],
          eps: ref.eps,
          weightDecay: setting.weight_decay,
          maxLr: setting.max_lr,
        }),
      });
      let worst = 0;
      for (const [s, gradients] of ref.grads_per_step.entries()) {
        const feeds = Object.fromEntries(
          Object.entries(gradients).map(([k, v]) => [
            `${k}.target_grad`,
            { data: Float32Array.from(flat(v)), dims: shapes.get(k) as number[] },
          ]),
        );
        await session.step(feeds, setting.lr_per_step[s] as number);
        const expected = setting.history_float32[s];
        if (expected === undefined) throw new Error('missing reference step');
        for (const [name, values] of Object.entries(expected.params)) {
          const ours = session.parameter(name);
          flat(values).forEach((value, i) => {
            worst = Math.max(worst, Math.abs((ours[i] as number) - value));
          });
        }
      }
      await session.release();
      expect(worst).toBeLessThan(1e-6);
    },
  );
});
