import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../graph.js';
import { MS_DOMAIN } from '../graph.js';
import { type CheckFeed, type CheckParam, checkGradients, randomValues } from './gradient-check.js';
import { gradients } from './gradients.js';

type F = 'float64' | 'float32';
let seed = 1;

function param(g: GraphBuilder, name: string, dims: number[], type: F = 'float64', scale = 1): CheckParam {
  g.input(name, type, dims);
  const n = dims.reduce((a, b) => a * b, 1);
  const values = randomValues(n, seed++ * 7919, scale);
  return { name, dims, data: type === 'float64' ? values : Float32Array.from(values) };
}

/** loss = Σ y ⊙ R for a fixed random R shaped like y, so every output element gets its own weight. */
function weightedSum(g: GraphBuilder, y: string, dims: number[], type: F = 'float64'): string {
  const n = dims.reduce((a, b) => a * b, 1);
  const r = randomValues(n, seed++ * 104729);
  const w = g.initializer('probe', dims, type === 'float64' ? r : Float32Array.from(r));
  return g.one('ReduceSum', [g.one('Mul', [y, w])], { keepdims: 0 });
}

const F64_TOL = 1e-6;

describe('reverse-mode gradients match central finite differences (float64)', () => {
  it('Add, Sub, Mul, Div with broadcasting over leading and size-1 axes', async () => {
    const { maxError } = await checkGradients((g) => {
      const a = param(g, 'a', [2, 3, 4]);
      const b = param(g, 'b', [3, 1]);
      const c = param(g, 'c', [4]);
      const d = param(g, 'd', [2, 1, 4], 'float64', 0.5);
      const s = g.one('Add', [a.name, b.name]);
      const t = g.one('Mul', [g.one('Sub', [s, c.name]), b.name]);
      const den = g.one('Add', [
        g.one('Mul', [d.name, d.name]),
        g.initializer('one', [], Float64Array.of(1)),
      ]);
      const y = g.one('Div', [t, den]);
      return { loss: weightedSum(g, y, [2, 3, 4]), params: [a, b, c, d] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('sums the gradients of a value used several times', async () => {
    const { maxError, analytic } = await checkGradients((g) => {
      const x = param(g, 'x', [3, 2]);
      const y = g.one('Mul', [x.name, x.name]);
      const z = g.one('Add', [y, x.name]);
      return { loss: weightedSum(g, g.one('Mul', [z, x.name]), [3, 2]), params: [x] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
    expect(analytic.get('x')?.some((v) => v !== 0)).toBe(true);
  });

  it('Neg, Sqrt, Pow (constant exponent), Tanh, Sigmoid, Exp, Log, Reciprocal, Relu, Abs', async () => {
    const { maxError } = await checkGradients((g) => {
      const x = param(g, 'x', [2, 5]);
      const pos = g.one('Add', [
        g.one('Mul', [x.name, x.name]),
        g.initializer('half', [], Float64Array.of(0.5)),
      ]);
      const parts = [
        g.one('Neg', [x.name]),
        g.one('Sqrt', [pos]),
        g.one('Pow', [pos, g.initializer('p', [], Float64Array.of(1.5))]),
        g.one('Pow', [x.name, g.initializer('two', [], Float64Array.of(2))]),
        g.one('Tanh', [x.name]),
        g.one('Sigmoid', [x.name]),
        g.one('Exp', [x.name]),
        g.one('Log', [pos]),
        g.one('Reciprocal', [pos]),
        g.one('Relu', [x.name]),
        g.one('Abs', [x.name]),
      ];
      return { loss: weightedSum(g, g.one('Sum', parts), [2, 5]), params: [x] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('Softmax and LogSoftmax over the last axis, with an additive mask', async () => {
    const { maxError } = await checkGradients((g) => {
      const x = param(g, 'x', [2, 3, 4], 'float64', 2);
      const mask = g.initializer('mask', [2, 1, 4], Float64Array.from([0, 0, -1e30, 0, 0, -1e30, 0, 0]));
      const p = g.one('Softmax', [g.one('Add', [x.name, mask])], { axis: -1 });
      const lp = g.one('LogSoftmax', [x.name], { axis: -1 });
      return { loss: weightedSum(g, g.one('Add', [p, lp]), [2, 3, 4]), params: [x] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('LayerNormalization over the last axis (x, γ, β) from the saved mean and inverse std', async () => {
    const { maxError } = await checkGradients((g) => {
      const x = param(g, 'x', [2, 3, 5], 'float64', 2);
      const gamma = param(g, 'gamma', [5]);
      const beta = param(g, 'beta', [5]);
      const y = g.one('LayerNormalization', [x.name, gamma.name, beta.name], {
        axis: -1,
        epsilon: { float: 1e-5 },
      });
      return { loss: weightedSum(g, y, [2, 3, 5]), params: [x, gamma, beta] };
    });
    // ORT keeps LayerNormalization's Mean/InvStdDev in float32 even for float64 inputs.
    expect(maxError).toBeLessThan(1e-5);
  });

  it('MatMul: batched × batched with batch broadcasting, and 3-D activations × 2-D weight', async () => {
    for (const contribOps of [false, true]) {
      const { maxError } = await checkGradients(
        (g) => {
          const a = param(g, 'a', [2, 3, 4, 5]);
          const b = param(g, 'b', [3, 5, 2]);
          const x = param(g, 'x', [2, 4, 3]);
          const w = param(g, 'w', [3, 6]);
          const y1 = g.one('MatMul', [a.name, b.name]);
          const y2 = g.one('MatMul', [x.name, w.name]);
          const l1 = weightedSum(g, y1, [2, 3, 4, 2]);
          const l2 = weightedSum(g, y2, [2, 4, 6]);
          return { loss: g.one('Add', [l1, l2]), params: [a, b, x, w] };
        },
        { contribOps },
      );
      expect(maxError).toBeLessThan(F64_TOL);
    }
  });

  it('FusedMatMul with every transA/transB combination and alpha', async () => {
    for (const [transA, transB] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ] as const) {
      const { maxError } = await checkGradients((g) => {
        const a = param(g, 'a', transA ? [2, 4, 3] : [2, 3, 4]);
        const b = param(g, 'b', transB ? [2, 5, 4] : [2, 4, 5]);
        const y = g.one(
          'FusedMatMul',
          [a.name, b.name],
          { transA, transB, alpha: { float: 0.5 } },
          MS_DOMAIN,
        );
        return { loss: weightedSum(g, y, [2, 3, 5]), params: [a, b] };
      });
      expect(maxError).toBeLessThan(F64_TOL);
    }
  });

  it('Gemm with transA/transB, alpha, beta and a broadcast bias', async () => {
    for (const [transA, transB] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ] as const) {
      const { maxError } = await checkGradients((g) => {
        const a = param(g, 'a', transA ? [4, 3] : [3, 4]);
        const b = param(g, 'b', transB ? [5, 4] : [4, 5]);
        const c = param(g, 'c', [5]);
        const y = g.one('Gemm', [a.name, b.name, c.name], {
          transA,
          transB,
          alpha: { float: 0.5 },
          beta: { float: 2 },
        });
        return { loss: weightedSum(g, y, [3, 5]), params: [a, b, c] };
      });
      expect(maxError).toBeLessThan(F64_TOL);
    }
  });

  it('Gather: embedding rows with repeated ids (scatter-add), and a CLS pick on axis 1', async () => {
    const { maxError } = await checkGradients((g) => {
      const table = param(g, 'table', [5, 3]);
      const ids = g.initializer('ids', [2, 3], BigInt64Array.from([1n, 4n, 1n, 0n, 1n, 3n]));
      const emb = g.one('Gather', [table.name, ids], { axis: 0 });
      const h = param(g, 'h', [2, 3, 4]);
      const cls = g.one('Gather', [h.name, g.constInt64([0], true)], { axis: 1 });
      const mid = g.one('Gather', [h.name, g.constInt64([2, 1])], { axis: 1 });
      const loss = g.one('Add', [
        g.one('Add', [weightedSum(g, emb, [2, 3, 3]), weightedSum(g, cls, [2, 4])]),
        weightedSum(g, mid, [2, 2, 4]),
      ]);
      return { loss, params: [table, h] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('GatherElements, Reshape, Transpose, Squeeze, Unsqueeze, Expand, Identity, Cast', async () => {
    const { maxError } = await checkGradients((g) => {
      const x = param(g, 'x', [2, 6]);
      const picked = g.one(
        'GatherElements',
        [x.name, g.initializer('idx', [2, 2], BigInt64Array.from([5n, 5n, 0n, 2n]))],
        {
          axis: 1,
        },
      );
      const r = g.one('Transpose', [g.one('Reshape', [x.name, g.constInt64([2, 3, 2])])], {
        perm: [2, 0, 1],
      });
      const u = g.one('Squeeze', [g.one('Unsqueeze', [r, g.constInt64([1])]), g.constInt64([1])]);
      const b = param(g, 'b', [1, 3]);
      const ex = g.one('Expand', [b.name, g.constInt64([2, 2, 3])]);
      const y = g.one('Identity', [g.one('Cast', [g.one('Add', [u, ex])], { to: 11 })]);
      return {
        loss: g.one('Add', [weightedSum(g, y, [2, 2, 3]), weightedSum(g, picked, [2, 2])]),
        params: [x, b],
      };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('Slice, Pad, Concat, Split', async () => {
    const { maxError } = await checkGradients((g) => {
      const x = param(g, 'x', [3, 5]);
      const y = param(g, 'y', [3, 2]);
      const s = g.one('Slice', [x.name, g.constInt64([1, 1]), g.constInt64([3, -1]), g.constInt64([0, 1])]);
      const p = g.one('Pad', [s, g.constInt64([1, 0, 0, 2])], { mode: 'constant' });
      const c = g.one('Concat', [p, y.name], { axis: 1 });
      const [s1, , s3] = g.op('Split', [c, g.constInt64([2, 3, 2])], { attrs: { axis: 1 }, outputs: 3 });
      return {
        loss: g.one('Add', [weightedSum(g, s1 as string, [3, 2]), weightedSum(g, s3 as string, [3, 2])]),
        params: [x, y],
      };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('Where with a constant condition, ReduceSum and ReduceMean (keepdims on and off)', async () => {
    const { maxError } = await checkGradients((g) => {
      const a = param(g, 'a', [2, 3]);
      const b = param(g, 'b', [3]);
      const cond = g.initializer(
        'cond',
        [2, 3],
        new Uint8Array([1, 0, 1, 0, 0, 1]) as unknown as Int8Array,
        'bool',
      );
      const w = g.one('Where', [cond, a.name, b.name]);
      const r1 = g.one('ReduceSum', [w, g.constInt64([1])], { keepdims: 0 });
      const r2 = g.one('ReduceMean', [w], { axes: [0], keepdims: 1 });
      const loss = g.one('Add', [weightedSum(g, r1, [2]), weightedSum(g, r2, [1, 3])]);
      return { loss, params: [a, b] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('SoftmaxCrossEntropyLoss with ignore_index -100 and mean reduction', async () => {
    const { maxError } = await checkGradients((g) => {
      const x = param(g, 'x', [4, 3], 'float64', 2);
      const labels = g.initializer('labels', [4], BigInt64Array.from([2n, -100n, 0n, 2n]));
      const [loss] = g.op('SoftmaxCrossEntropyLoss', [x.name, labels], {
        attrs: { ignore_index: -100, reduction: 'mean' },
        outputs: 1,
      });
      return { loss: loss as string, params: [x] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('BCE with logits written as softplus(x) − x·y (Relu, Abs, Exp, Log)', async () => {
    const { maxError } = await checkGradients((g) => {
      const x = param(g, 'x', [2, 3], 'float64', 3);
      const y = g.initializer('y', [2, 3], Float64Array.from([1, 0, 1, 0, 0, 1]));
      const one = g.initializer('one', [], Float64Array.of(1));
      const softplus = g.one('Add', [
        g.one('Relu', [x.name]),
        g.one('Log', [g.one('Add', [one, g.one('Exp', [g.one('Neg', [g.one('Abs', [x.name])])])])]),
      ]);
      const loss = g.one('ReduceMean', [g.one('Sub', [softplus, g.one('Mul', [x.name, y])])], {
        keepdims: 0,
      });
      return { loss, params: [x] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });

  it('takes a symbolic batch axis (dims from the graph input) through Reshape, Slice and ReduceMean', async () => {
    const { maxError } = await checkGradients((g) => {
      g.input('x', 'float64', ['batch', 4]);
      const x: CheckParam = { name: 'x', dims: [3, 4], data: randomValues(12, 5) };
      const w = param(g, 'w', [4, 2]);
      const h = g.one('MatMul', [
        g.one('Reshape', [x.name, g.constInt64([-1, 2, 2])]),
        g.one('Reshape', [w.name, g.constInt64([2, 4])]),
      ]);
      const s = g.one('Slice', [h, g.constInt64([1]), g.constInt64([2 ** 53 - 1]), g.constInt64([1])]);
      const loss = g.one('ReduceMean', [g.one('Mul', [s, s])], { keepdims: 0 });
      return { loss, params: [x, w] };
    });
    expect(maxError).toBeLessThan(F64_TOL);
  });
});

describe('GELU and Erf (float32 only on ORT CPU)', () => {
  it('the fused Gelu rule and the Erf rule match finite differences and each other', async () => {
    const feeds: CheckFeed[] = [];
    const { maxError, analytic } = await checkGradients(
      (g) => {
        const x = param(g, 'x', [2, 4], 'float32', 2);
        const fused = g.one('Gelu', [x.name], {}, MS_DOMAIN);
        const half = g.constFloat([0.5], true);
        const composed = g.one('Mul', [
          g.one('Mul', [x.name, half]),
          g.one('Add', [
            g.constFloat([1], true),
            g.one('Erf', [g.one('Mul', [x.name, g.constFloat([Math.SQRT1_2], true)])]),
          ]),
        ]);
        const loss = g.one('Add', [
          weightedSum(g, fused, [2, 4], 'float32'),
          weightedSum(g, composed, [2, 4], 'float32'),
        ]);
        return { loss, params: [x], feeds };
      },
      { h: 1e-2 },
    );
    expect(maxError).toBeLessThan(2e-3);
    expect(analytic.get('x')?.every(Number.isFinite)).toBe(true);
  });

  it('the gelu() unit is differentiated as one closed-form rule, matching finite differences', async () => {
    const { gelu } = await import('./units.js');
    const { maxError } = await checkGradients(
      (g) => {
        const x = param(g, 'x', [3, 4], 'float32', 2);
        const y = gelu(g, g.one('Mul', [x.name, x.name]));
        return { loss: weightedSum(g, g.one('Add', [y, x.name]), [3, 4], 'float32'), params: [x] };
      },
      { h: 1e-2 },
    );
    expect(maxError).toBeLessThan(3e-3);
  });

  it('BiasGelu gives the bias the summed input gradient', async () => {
    const { maxError } = await checkGradients(
      (g) => {
        const x = param(g, 'x', [3, 4], 'float32');
        const b = param(g, 'b', [4], 'float32');
        const y = g.one('BiasGelu', [x.name, b.name], {}, MS_DOMAIN);
        return { loss: weightedSum(g, y, [3, 4], 'float32'), params: [x, b] };
      },
      { h: 1e-2 },
    );
    expect(maxError).toBeLessThan(2e-3);
  });
});

describe('gradients()', () => {
  it('gives a parameter the loss does not depend on a zero gradient of its shape', async () => {
    const { analytic } = await checkGradients((g) => {
      const x = param(g, 'x', [2, 3]);
      const unused = param(g, 'unused', [4]);
      return { loss: weightedSum(g, g.one('Tanh', [x.name]), [2, 3]), params: [x, unused] };
    });
    expect(Array.from(analytic.get('unused') ?? [])).toEqual([0, 0, 0, 0]);
  });

  it('refuses an operator without a rule, naming it', async () => {
    const { GraphBuilder } = await import('../graph.js');
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    const y = g.one('Cos', [x]);
    expect(() => gradients(g, g.one('ReduceSum', [y], { keepdims: 0 }), ['x'])).toThrow(/Cos/);
  });
});
