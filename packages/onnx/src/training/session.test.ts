import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomValues } from '../autodiff/gradient-check.js';
import { gradients } from '../autodiff/gradients.js';
import { OnnxRuntimeMissingError } from '../errors.js';
import { serializeModel } from '../graph.js';
import { loadOnnxRuntime } from '../runtime.js';
import { type FeedTensor, TrainingSession } from './session.js';
import {
  buildEncoderClassifier,
  type EncoderParameter,
  type EncoderShape,
  encoderParameters,
} from './testing/post-norm-encoder.js';
import {
  finiteDifferenceGradients,
  type ReferenceBatch,
  referenceEncoderLoss,
} from './testing/reference-encoder.js';

const SHAPE: EncoderShape = {
  vocab: 11,
  hidden: 8,
  heads: 2,
  mlp: 16,
  layers: 1,
  labels: 3,
  batch: 3,
  seq: 5,
  eps: 1e-12,
};
const BATCH: ReferenceBatch = {
  inputIds: [1, 4, 7, 2, 9, 1, 3, 3, 10, 0, 1, 5, 6, 0, 0],
  attentionMask: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
  labels: [2, -100, 0],
};

function initialParameters(shape: EncoderShape): EncoderParameter[] {
  let seed = 17;
  return encoderParameters(shape, (n, scale) => Float32Array.from(randomValues(n, seed++ * 6151, scale * 2)));
}

function feeds(batch: ReferenceBatch, shape: EncoderShape): Record<string, FeedTensor> {
  const dims = [shape.batch, shape.seq];
  return {
    input_ids: { data: BigInt64Array.from(batch.inputIds, BigInt), dims },
    attention_mask: { data: Float32Array.from(batch.attentionMask), dims },
    labels: { data: BigInt64Array.from(batch.labels, BigInt), dims: [shape.batch] },
  };
}

function asFloat64(params: readonly EncoderParameter[]): Map<string, Float64Array> {
  return new Map(params.map((p) => [p.name, Float64Array.from(p.data)]));
}

/**
 * The key bias adds one constant to every score of a query, which softmax ignores: its gradient is exactly 0,
 * so each engine returns its own rounding noise, and Adam (which divides by the gradient's own scale) turns
 * that noise into ±lr steps. It is compared in absolute terms (gradient) or left out (trajectories).
 */
const ZERO_GRADIENT = /attention\.self\.key\.bias$/;

/** max |a − b| / max(max |b|, 1e-4) */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / Math.max(scale, 1e-4);
}

describe('the post-norm encoder classifier on the ONNX training engine', () => {
  it('has gradients (float32 ORT) that match float64 finite differences of a plain-JS forward', async () => {
    const ort = await loadOnnxRuntime();
    const params = initialParameters(SHAPE);
    for (const gelu of ['unit', 'contrib', 'composed'] as const) {
      const model = buildEncoderClassifier(SHAPE, params, { gelu, fusedScores: gelu === 'contrib' });
      const grads = gradients(
        model.graph,
        model.loss,
        params.map((p) => p.name),
      );
      model.graph.output(model.loss, 'loss_out', 'float32', []);
      for (const p of params)
        model.graph.output(grads.get(p.name) as string, `grad:${p.name}`, 'float32', p.dims);
      const session = await ort.InferenceSession.create(serializeModel(model.graph.build('grad', '')), {
        logSeverityLevel: 3,
      });
      const input: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [name, f] of Object.entries(feeds(BATCH, SHAPE)))
        input[name] = new ort.Tensor(
          f.data instanceof Float32Array ? 'float32' : 'int64',
          f.data as Float32Array,
          [...f.dims],
        );
      for (const p of params) input[p.name] = new ort.Tensor('float32', p.data, p.dims);
      const out = await session.run(input);
      const reference = asFloat64(params);
      const loss = () => referenceEncoderLoss(SHAPE, reference, BATCH);
      expect(Number(out.loss_out?.data[0])).toBeCloseTo(loss(), 5);
      const numeric = finiteDifferenceGradients(reference, loss, 1e-6);
      for (const p of params) {
        const got = out[`grad:${p.name}`]?.data as Float32Array;
        expect(relativeError(got, numeric.get(p.name) as Float64Array), p.name).toBeLessThan(2e-4);
      }
      await session.release();
    }
  });

  it('takes 20 clipped AdamW steps that match a float64 JS reference (finite-difference gradients, torch formulas)', async () => {
    const params = initialParameters(SHAPE);
    const lr = 5e-3;
    const wd = 0.01;
    const session = await TrainingSession.create(buildEncoderClassifier(SHAPE, params), {
      weightDecay: wd,
      threads: 1,
    });
    // Reference: torch.nn.utils.clip_grad_norm_(1.0) then torch.optim.AdamW, all in float64.
    const ref = asFloat64(params);
    const m = new Map([...ref].map(([k, v]) => [k, new Float64Array(v.length)]));
    const v = new Map([...ref].map(([k, x]) => [k, new Float64Array(x.length)]));
    const decay = new Map(params.map((p) => [p.name, p.decay]));
    let clipped = 0;
    for (let t = 1; t <= 20; t++) {
      const result = await session.step(feeds(BATCH, SHAPE), lr);
      const loss = () => referenceEncoderLoss(SHAPE, ref, BATCH);
      const refLoss = loss();
      const grads = finiteDifferenceGradients(ref, loss, 1e-6);
      let total = 0;
      for (const g of grads.values()) for (const x of g) total += x * x;
      total = Math.sqrt(total);
      const coef = Math.min(1 / (total + 1e-6), 1);
      if (coef < 1) clipped += 1;
      expect(result.loss).toBeCloseTo(refLoss, 4);
      expect(Math.abs((result.gradNorm as number) - total) / total).toBeLessThan(1e-3);
      for (const [name, p] of ref) {
        const g = grads.get(name) as Float64Array;
        const mm = m.get(name) as Float64Array;
        const vv = v.get(name) as Float64Array;
        const factor = decay.get(name) ? 1 - lr * wd : 1;
        for (let i = 0; i < p.length; i++) {
          const gi = (g[i] as number) * coef;
          p[i] = (p[i] as number) * factor;
          mm[i] = 0.9 * (mm[i] as number) + 0.1 * gi;
          vv[i] = 0.999 * (vv[i] as number) + 0.001 * gi * gi;
          const denom = Math.sqrt(vv[i] as number) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
          p[i] = (p[i] as number) - (lr / (1 - 0.9 ** t)) * ((mm[i] as number) / denom);
        }
      }
    }
    expect(clipped).toBeGreaterThan(0);
    expect(session.stepCount).toBe(20);
    for (const [name, p] of ref) {
      if (ZERO_GRADIENT.test(name)) continue;
      const got = session.parameter(name);
      let maxDiff = 0;
      for (let i = 0; i < p.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (p[i] as number)));
      // 20 steps of lr 5e-3 move parameters by up to 0.1; float32 keeps them within 1e-4 of float64.
      expect(maxDiff, name).toBeLessThan(2e-4);
    }
    await session.release();
  });

  it('accumulates two micro-batches into the same step as one batch of both', async () => {
    const half: EncoderShape = { ...SHAPE, batch: 2 };
    const whole: EncoderShape = { ...SHAPE, batch: 4 };
    const a: ReferenceBatch = {
      inputIds: BATCH.inputIds.slice(0, 10),
      attentionMask: BATCH.attentionMask.slice(0, 10),
      labels: [2, 1],
    };
    const b: ReferenceBatch = {
      inputIds: BATCH.inputIds.slice(5, 15),
      attentionMask: BATCH.attentionMask.slice(5, 15),
      labels: [0, 2],
    };
    const both: ReferenceBatch = {
      inputIds: [...a.inputIds, ...b.inputIds],
      attentionMask: [...a.attentionMask, ...b.attentionMask],
      labels: [...a.labels, ...b.labels],
    };
    const accumulated = await TrainingSession.create(buildEncoderClassifier(half, initialParameters(half)), {
      accumulationSteps: 2,
      weightDecay: 0.01,
      threads: 1,
    });
    const single = await TrainingSession.create(buildEncoderClassifier(whole, initialParameters(whole)), {
      weightDecay: 0.01,
      threads: 1,
    });
    for (let step = 0; step < 3; step++) {
      const r1 = await accumulated.step(feeds(a, half), 1e-2);
      expect(r1.optimizerStep).toBe(false);
      const r2 = await accumulated.step(feeds(b, half), 1e-2);
      expect(r2.optimizerStep).toBe(true);
      const r = await single.step(feeds(both, whole), 1e-2);
      expect((r1.loss + r2.loss) / 2).toBeCloseTo(r.loss, 5);
      expect(r2.gradNorm as number).toBeCloseTo(r.gradNorm as number, 4);
    }
    const x = accumulated.parameters();
    for (const [name, value] of single.parameters())
      if (!ZERO_GRADIENT.test(name))
        expect(relativeError(x.get(name) as Float32Array, value), name).toBeLessThan(1e-4);
    await accumulated.release();
    await single.release();
  });

  it('updates in place exactly as with two swapping buffer sets (with and without clipping, with accumulation)', async () => {
    for (const extra of [{}, { maxGradNorm: 0 }, { accumulationSteps: 2 }]) {
      const params = initialParameters(SHAPE);
      const inPlace = await TrainingSession.create(buildEncoderClassifier(SHAPE, params), {
        ...extra,
        weightDecay: 0.01,
        threads: 1,
      });
      const swapping = await TrainingSession.create(buildEncoderClassifier(SHAPE, params), {
        ...extra,
        weightDecay: 0.01,
        threads: 1,
        inPlace: false,
      });
      for (let i = 0; i < 4; i++) {
        const a = await inPlace.step(feeds(BATCH, SHAPE), 1e-2);
        const b = await swapping.step(feeds(BATCH, SHAPE), 1e-2);
        expect(a).toEqual(b);
      }
      const moments = swapping.moments();
      for (const [name, m] of inPlace.moments()) {
        expect(m).toEqual(moments.get(name));
        expect(inPlace.parameter(name)).toEqual(swapping.parameter(name));
      }
      expect(inPlace.parameter('classifier.weight')).not.toEqual(
        params.find((p) => p.name === 'classifier.weight')?.data,
      );
      await inPlace.release();
      await swapping.release();
    }
  });

  it('trains batches of different shapes in one session built with symbolic batch and seq axes', async () => {
    const params = initialParameters(SHAPE);
    const dynamic = await TrainingSession.create(buildEncoderClassifier(SHAPE, params, { dynamic: true }), {
      weightDecay: 0.01,
      threads: 1,
    });
    const fixed = await TrainingSession.create(buildEncoderClassifier(SHAPE, params), {
      weightDecay: 0.01,
      threads: 1,
    });
    const positions = (n: number) => ({
      data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
      dims: [n],
    });
    const a = await dynamic.step({ ...feeds(BATCH, SHAPE), position_ids: positions(SHAPE.seq) }, 1e-2);
    const b = await fixed.step(feeds(BATCH, SHAPE), 1e-2);
    expect(a.loss).toBeCloseTo(b.loss, 6);
    expect(a.gradNorm as number).toBeCloseTo(b.gradNorm as number, 5);
    expect(
      relativeError(dynamic.parameter('classifier.weight'), fixed.parameter('classifier.weight')),
    ).toBeLessThan(1e-6);
    // A 2 × 4 batch through the same session: its loss is the float64 reference at the current parameters.
    const small: EncoderShape = { ...SHAPE, batch: 2, seq: 4 };
    const batch: ReferenceBatch = {
      inputIds: [3, 1, 4, 1, 5, 9, 2, 6],
      attentionMask: [1, 1, 1, 1, 1, 1, 1, 0],
      labels: [1, 2],
    };
    const current = new Map([...dynamic.parameters()].map(([k, v]) => [k, Float64Array.from(v)]));
    const c = await dynamic.step({ ...feeds(batch, small), position_ids: positions(4) }, 1e-2);
    expect(c.loss).toBeCloseTo(referenceEncoderLoss(small, current, batch), 5);
    await dynamic.release();
    await fixed.release();
  });

  it('exposes parameters and moments by name and resumes from them', async () => {
    const params = initialParameters(SHAPE);
    const first = await TrainingSession.create(buildEncoderClassifier(SHAPE, params), { threads: 1 });
    for (let i = 0; i < 2; i++) await first.step(feeds(BATCH, SHAPE), 1e-2);
    const saved = { step: first.stepCount, parameters: first.parameters(), moments: first.moments() };
    const third = await first.step(feeds(BATCH, SHAPE), 1e-2);
    const resumed = await TrainingSession.create(buildEncoderClassifier(SHAPE, params), { threads: 1 });
    resumed.restore(saved);
    const again = await resumed.step(feeds(BATCH, SHAPE), 1e-2);
    expect(again.loss).toBe(third.loss);
    expect(Array.from(resumed.parameter('classifier.weight'))).toEqual(
      Array.from(first.parameter('classifier.weight')),
    );
    expect(saved.parameters.get('classifier.weight')).not.toEqual(first.parameter('classifier.weight'));
    await first.release();
    await resumed.release();
  });

  it('names a batch input that is missing, and the inputs it expects', async () => {
    const session = await TrainingSession.create(buildEncoderClassifier(SHAPE, initialParameters(SHAPE)), {
      threads: 1,
    });
    const { labels: _labels, ...withoutLabels } = feeds(BATCH, SHAPE);
    await expect(session.step(withoutLabels, 1e-2)).rejects.toThrow(
      /no input "labels".*input_ids, attention_mask, labels/,
    );
    await session.release();
  });

  it('names what is missing when the CUDA provider cannot load', async () => {
    const require = createRequire(import.meta.url);
    const binding = dirname(require.resolve('onnxruntime-node/package.json'));
    const cudaLib = join(binding, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');
    const params = initialParameters(SHAPE);
    const attempt = TrainingSession.create(buildEncoderClassifier(SHAPE, params), { device: 'cuda' });
    if (existsSync(cudaLib) && existsSync('/dev/nvidia0')) {
      const session = await attempt;
      expect(session.device).toBe('cuda');
      await session.release();
    } else {
      await expect(attempt).rejects.toBeInstanceOf(OnnxRuntimeMissingError);
      await expect(attempt).rejects.toThrow(/CUDA 12.*cuDNN 9.*ONNXRUNTIME_NODE_INSTALL_CUDA/);
    }
  });
});
