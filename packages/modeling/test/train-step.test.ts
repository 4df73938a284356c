import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BackendName, fromPretrained, initBackend } from '../src/index.js';
import { MODELS_DIR, type Reference, reference, referenceInputs, relDiff } from './reference.js';

// Issue tolerance: each parameter's gradient within 1e-4 × that gradient's largest |value|.
const GRAD_REL_TOL = 1e-4;
const LOSS_REL_TOL = 1e-5;

/** Gradients of the training-step loss for every parameter, in PyTorch layout, as plain arrays. */
async function firstStepGradients(family: 'bert' | 'modernbert', ref: Reference) {
  const model = await fromPretrained(`${MODELS_DIR}${ref.checkpoint}`, {
    onWarning: () => undefined,
    configOverrides: ref.config_overrides,
  });
  const inputs = referenceInputs(reference(`${family}_forward`).inputs.batch_a, 'seqcls_labels');
  const variables = [...model.parameters().values()];
  const { value, grads } = tf.variableGrads(
    () => model.forward(inputs, { training: true }).loss as tf.Scalar,
    variables,
  );
  const loss = value.dataSync()[0]!;
  const byName = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, variable] of model.parameters()) {
    const grad = grads[variable.name]!;
    const hf = model.params.transposed.has(name) ? tf.transpose(grad) : grad;
    byName.set(name, { shape: hf.shape, data: hf.dataSync() as Float32Array });
    if (hf !== grad) hf.dispose();
  }
  tf.dispose([value, ...Object.values(grads), ...Object.values(inputs).filter((t): t is tf.Tensor => !!t)]);
  model.dispose();
  return { loss, grads: byName };
}

function l2(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return Math.sqrt(sum);
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  return max;
}

describe.each(['cpu', 'wasm'] as BackendName[])('first training step on the %s backend', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend, onReport: () => undefined });
  });

  for (const family of ['bert', 'modernbert'] as const) {
    it(`${family}: loss and every parameter's gradient match transformers' first AdamW step before clipping`, async () => {
      const ref = reference(`${family}_train_step`);
      const step = ref.steps[0];
      const { loss, grads } = await firstStepGradients(family, ref);
      expect(relDiff(loss, step.loss)).toBeLessThanOrEqual(LOSS_REL_TOL);

      // Every parameter: the gradient's L2 norm (the reference records norms for all of them).
      const norms = step.per_param_grad_norm_pre_clip as Record<string, number>;
      expect([...grads.keys()].sort()).toEqual(Object.keys(norms).sort());
      for (const [name, norm] of Object.entries(norms)) {
        const grad = grads.get(name)!;
        expect(Math.abs(l2(grad.data) - norm), name).toBeLessThanOrEqual(GRAD_REL_TOL * Math.max(norm, 1e-3));
      }
      const total = Math.sqrt([...grads.values()].reduce((sum, g) => sum + l2(g.data) ** 2, 0));
      expect(relDiff(total, step.global_grad_norm_pre_clip)).toBeLessThanOrEqual(GRAD_REL_TOL);

      // Tracked parameters: element by element.
      for (const [name, expected] of Object.entries<Reference>(step.grads_pre_clip)) {
        const grad = grads.get(name)!;
        expect(grad.shape, name).toEqual(expected.shape);
        const tolerance = GRAD_REL_TOL * maxAbs(expected.data);
        let worst = 0;
        grad.data.forEach((g, i) => {
          worst = Math.max(worst, Math.abs(g - expected.data[i]));
        });
        expect(worst, name).toBeLessThanOrEqual(tolerance);
      }

      // Word-embedding rows, including the padding row whose gradient is exactly 0 (padding_idx).
      const rows = step.embedding_grad_rows_pre_clip;
      const table = grads.get(rows.param)!;
      const width = table.shape[1]!;
      const tolerance = GRAD_REL_TOL * maxAbs(rows.rows.data);
      rows.token_ids.forEach((id: number, r: number) => {
        const actual = table.data.subarray(id * width, (id + 1) * width);
        actual.forEach((g, i) => {
          expect(Math.abs(g - rows.rows.data[r * width + i])).toBeLessThanOrEqual(tolerance);
        });
      });
      const padId = rows.token_ids.at(-1);
      expect(maxAbs(table.data.subarray(padId * width, (padId + 1) * width))).toBe(0);
    });
  }
});
