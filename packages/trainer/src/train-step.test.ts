import { type BackendName, fromPretrained, initBackend } from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Batch } from './collate.js';
import { lossAndGradients } from './loss-gradients.js';
import { AdamW } from './optim/adamw.js';
import { clipGradNorm } from './optim/clip.js';
import { weightDecayByParameter } from './optim/param-groups.js';
import {
  fixtureModelDir,
  maxAbsDiff,
  type RefTensor,
  readGzipJsonFixture,
  readTrainStepReference,
} from './testing/reference.js';

const LOSS_RELATIVE_TOLERANCE = 1e-5;
const NORM_RELATIVE_TOLERANCE = 1e-5;
const PARAM_TOLERANCE = 1e-6;

interface ForwardInputs {
  inputs: { batch_a: { input_ids: RefTensor; attention_mask: RefTensor; seqcls_labels: RefTensor } };
}

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

/** Weight values in PyTorch layout by name (kernels transposed back). */
function hfValue(model: Awaited<ReturnType<typeof fromPretrained>>, name: string): Float32Array {
  const variable = model.parameters().get(name)!;
  return tf.tidy(() =>
    (model.params.transposed.has(name) ? tf.transpose(variable) : variable).dataSync(),
  ) as Float32Array;
}

describe.each(['cpu', 'wasm'] as BackendName[])('on %s', (backend) => {
  describe.each(['bert', 'modernbert'] as const)('%s', (family) => {
    it('reproduces both reference training steps: loss, pre-clip grad norm and updated parameters', async () => {
      await initBackend({ backend, onReport: () => {} });
      const ref = readTrainStepReference(family);
      const { inputs } = readGzipJsonFixture<ForwardInputs>(`reference/modeling/${family}_forward.json.gz`);
      const model = await fromPretrained(fixtureModelDir(ref.checkpoint), {
        configOverrides: ref.config_overrides,
        onWarning: () => {},
      });
      const parameters = model.parameters();
      const optimizer = new AdamW(
        parameters,
        weightDecayByParameter(parameters.keys(), ref.optimizer.weight_decay),
      );
      const { input_ids, attention_mask, seqcls_labels } = inputs.batch_a;
      const shape = input_ids.shape as [number, number];
      const batch: Batch = {
        inputIds: tf.tensor2d(input_ids.data, shape, 'int32'),
        attentionMask: tf.tensor2d(attention_mask.data, shape, 'int32'),
        labels: tf.tensor1d(seqcls_labels.data, 'int32'),
        tokens: 0,
      };
      const embedding = ref.embedding_rows_before.param;
      for (const step of ref.steps) {
        const { loss, grads } = lossAndGradients(model, batch);
        expect(relative(loss, step.loss)).toBeLessThan(LOSS_RELATIVE_TOLERANCE);
        const clipped = clipGradNorm(grads);
        expect(relative(clipped.totalNorm, step.global_grad_norm_pre_clip)).toBeLessThan(
          NORM_RELATIVE_TOLERANCE,
        );
        optimizer.step(clipped.grads, ref.optimizer.lr);
        for (const g of [...grads.values(), ...clipped.grads.values()]) g.dispose();
        for (const [name, expected] of Object.entries(step.params_after)) {
          expect(
            maxAbsDiff(hfValue(model, name), expected.data),
            `${name} after step ${step.step}`,
          ).toBeLessThan(PARAM_TOLERANCE);
        }
        const table = hfValue(model, embedding);
        const width = step.embedding_rows_after.rows.shape[1]!;
        step.embedding_rows_after.token_ids.forEach((id, r) => {
          const actual = table.subarray(id * width, (id + 1) * width);
          const expected = step.embedding_rows_after.rows.data.slice(r * width, (r + 1) * width);
          expect(maxAbsDiff(actual, expected), `${embedding} row ${id}`).toBeLessThan(PARAM_TOLERANCE);
        });
      }
      for (const t of [batch.inputIds, batch.attentionMask, batch.labels]) t.dispose();
      optimizer.dispose();
      model.dispose();
    });
  });
});
