import type * as Ort from 'onnxruntime-node';
import { type Dim, GraphBuilder, serializeModel } from '../graph.js';
import { loadOnnxRuntime } from '../runtime.js';
import { gradients } from './gradients.js';

/** A parameter of a gradient check: a graph input with its values. */
export interface CheckParam {
  name: string;
  dims: number[];
  data: Float64Array | Float32Array;
}

export interface CheckFeed {
  name: string;
  dims: number[];
  data: Float64Array | Float32Array | BigInt64Array | Uint8Array;
  type: 'float64' | 'float32' | 'int64' | 'bool';
}

export interface GradientCheckResult {
  /** Largest |analytic − numeric| / max(1, |numeric|) over every checked element. */
  maxError: number;
  /** Per parameter: analytic gradient and central finite differences. */
  analytic: Map<string, Float64Array>;
  numeric: Map<string, Float64Array>;
  loss: number;
}

/**
 * Builds a graph with `build` (which declares the parameters as inputs and returns the scalar loss), appends its
 * gradients, runs it on ONNX Runtime and compares each gradient element with a central finite difference of
 * the loss (step `h`). For tests of the gradient rules, on small shapes.
 */
export async function checkGradients(
  build: (g: GraphBuilder) => { loss: string; params: CheckParam[]; feeds?: CheckFeed[] },
  options: { h?: number; contribOps?: boolean; lossType?: 'float32' | 'float64' } = {},
): Promise<GradientCheckResult> {
  const ort = await loadOnnxRuntime();
  const g = new GraphBuilder();
  const { loss, params, feeds = [] } = build(g);
  const type = options.lossType ?? (params[0]?.data instanceof Float32Array ? 'float32' : 'float64');
  const grads = gradients(
    g,
    loss,
    params.map((p) => p.name),
    { contribOps: options.contribOps ?? true },
  );
  g.output(loss, 'loss_out', type, []);
  for (const p of params) g.output(grads.get(p.name) as string, `grad_${p.name}`, type, p.dims as Dim[]);
  const session = await ort.InferenceSession.create(serializeModel(g.build('check', '')), {
    logSeverityLevel: 3,
    graphOptimizationLevel: 'all',
  });
  const tensor = (d: CheckParam | CheckFeed, data = d.data) =>
    new ort.Tensor(
      'type' in d ? d.type : data instanceof Float32Array ? 'float32' : 'float64',
      data as Float32Array,
      d.dims,
    ) as Ort.Tensor;
  const baseFeeds: Record<string, Ort.Tensor> = {};
  for (const f of feeds) baseFeeds[f.name] = tensor(f);
  for (const p of params) baseFeeds[p.name] = tensor(p);
  const full = await session.run(baseFeeds);
  const analytic = new Map<string, Float64Array>();
  for (const p of params)
    analytic.set(p.name, Float64Array.from(full[`grad_${p.name}`]?.data as Float64Array));
  const lossAt = async (p: CheckParam, data: Float64Array | Float32Array) => {
    const out = await session.run({ ...baseFeeds, [p.name]: tensor(p, data) }, ['loss_out']);
    return Number(out.loss_out?.data[0]);
  };
  const h = options.h ?? (type === 'float64' ? 1e-6 : 1e-2);
  const numeric = new Map<string, Float64Array>();
  let maxError = 0;
  for (const p of params) {
    const out = new Float64Array(p.data.length);
    const grad = analytic.get(p.name) as Float64Array;
    for (let i = 0; i < p.data.length; i++) {
      const plus = p.data.slice();
      const minus = p.data.slice();
      plus[i] = (plus[i] as number) + h;
      minus[i] = (minus[i] as number) - h;
      const up = await lossAt(p, plus);
      const down = await lossAt(p, minus);
      out[i] = (up - down) / ((plus[i] as number) - (minus[i] as number));
      maxError = Math.max(
        maxError,
        Math.abs((grad[i] as number) - (out[i] as number)) / Math.max(1, Math.abs(out[i] as number)),
      );
    }
    numeric.set(p.name, out);
  }
  await session.release();
  return { maxError, analytic, numeric, loss: Number(full.loss_out?.data[0]) };
}

/** Deterministic pseudo-random values in [-scale, scale) (xorshift), for test inputs. */
export function randomValues(n: number, seed: number, scale = 1): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}
