import { type Activation, MASK_FILL } from '@bcmb/architectures';
import type { GraphBuilder } from './graph.js';
import { quantizePerChannel } from './quantize.js';

/**
 * The operations written with standard ONNX ops only, the way `torch.onnx.export` traces `transformers`' eager
 * code: heads by Reshape/Transpose, scores by MatMul, an additive mask, Softmax, RoPE by rotate_half, erf GELU.
 * Every op here has a gradient rule in the training graphs, and the same graph is the stand-in for the
 * transformers.js route in the ONNX bench.
 */

/** `[B, L, H]` → `[B, N, L, d]`. */
export function splitHeads(g: GraphBuilder, x: string, numHeads: number, headDim: number): string {
  return g.one('Transpose', [g.one('Reshape', [x, g.constInt64([0, 0, numHeads, headDim])])], {
    perm: [0, 2, 1, 3],
  });
}

/** dropout(softmax(q·kᵀ·scale + mask))·v over `[B, N, L, d]` heads, back to `[B, L, N·d]`. */
export function scaledDotProduct(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  additiveMask: string,
  headDim: number,
  numHeads: number,
  probabilityDropout?: string | ((probs: string) => string),
): string {
  const scores = g.one('Mul', [
    g.one('MatMul', [q, g.one('Transpose', [k], { perm: [0, 1, 3, 2] })]),
    g.constFloat([headDim ** -0.5], true),
  ]);
  const softmax = g.one('Softmax', [g.one('Add', [scores, additiveMask])], { axis: -1 });
  const mask = typeof probabilityDropout === 'function' ? probabilityDropout(softmax) : probabilityDropout;
  const probs = mask === undefined ? softmax : g.one('Mul', [softmax, mask]);
  const context = g.one('Transpose', [g.one('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
  return g.one('Reshape', [context, g.constInt64([0, 0, numHeads * headDim])]);
}

/** `[B, L]` attention mask → additive `[B, 1, 1, L]`: 0 on real keys, MASK_FILL on padding. */
export function additivePaddingMask(g: GraphBuilder, attentionMask: string): string {
  const inverted = g.one('Sub', [g.constFloat([1], true), g.one('Cast', [attentionMask], { to: 1 })]);
  return g.one('Unsqueeze', [
    g.one('Mul', [inverted, g.constFloat([MASK_FILL], true)]),
    g.constInt64([1, 2]),
  ]);
}

/** The padding mask plus MASK_FILL where |i - j| > halfWindow: `[B, 1, L, L]`. */
export function additiveBandMask(
  g: GraphBuilder,
  padding: string,
  positions: string,
  halfWindow: number,
): string {
  const distance = g.one('Abs', [
    g.one('Sub', [
      g.one('Unsqueeze', [positions, g.constInt64([1])]),
      g.one('Unsqueeze', [positions, g.constInt64([0])]),
    ]),
  ]);
  const outside = g.one('Greater', [distance, g.constInt64([halfWindow], true)]);
  const band = g.one('Where', [outside, g.constFloat([MASK_FILL], true), g.constFloat([0], true)]);
  return g.one('Add', [padding, band]);
}

/** `x·cos + rotate_half(x)·sin` on `[B, N, L, d]` heads, cos/sin `[L, d]` (NeoX layout). */
export function rotateHalfRope(
  g: GraphBuilder,
  x: string,
  cos: string,
  sin: string,
  headDim: number,
): string {
  const half = headDim / 2;
  const x1 = g.one('Slice', [x, g.constInt64([0]), g.constInt64([half]), g.constInt64([3])]);
  const x2 = g.one('Slice', [x, g.constInt64([half]), g.constInt64([headDim]), g.constInt64([3])]);
  const rotated = g.one('Concat', [g.one('Neg', [x2]), x1], { axis: 3 });
  return g.one('Add', [g.one('Mul', [x, cos]), g.one('Mul', [rotated, sin])]);
}

/** Full-width `[P, d]` cos or sin from a half-width `[P, d/2]` table: cat(freqs, freqs). */
export function fullWidthTable(half: Float32Array, positions: number, headDim: number): Float32Array {
  const out = new Float32Array(positions * headDim);
  for (let pos = 0; pos < positions; pos++) {
    const row = half.subarray((pos * headDim) / 2, ((pos + 1) * headDim) / 2);
    out.set(row, pos * headDim);
    out.set(row, pos * headDim + headDim / 2);
  }
  return out;
}

/** `transformers.activations.ACT2FN[act]` in standard ops (exact erf GELU). */
export function standardActivation(g: GraphBuilder, x: string, act: Activation): string {
  switch (act) {
    case 'gelu': {
      const erf = g.one('Erf', [g.one('Mul', [x, g.constFloat([Math.SQRT1_2], true)])]);
      return g.one('Mul', [
        g.one('Mul', [x, g.constFloat([0.5], true)]),
        g.one('Add', [erf, g.constFloat([1], true)]),
      ]);
    }
    case 'gelu_new':
    case 'gelu_pytorch_tanh': {
      const cube = g.one('Mul', [g.one('Mul', [x, x]), x]);
      const inner = g.one('Mul', [
        g.one('Add', [x, g.one('Mul', [cube, g.constFloat([0.044715], true)])]),
        g.constFloat([Math.sqrt(2 / Math.PI)], true),
      ]);
      return g.one('Mul', [
        g.one('Mul', [x, g.constFloat([0.5], true)]),
        g.one('Add', [g.one('Tanh', [inner]), g.constFloat([1], true)]),
      ]);
    }
    case 'relu':
      return g.one('Relu', [x]);
    case 'tanh':
      return g.one('Tanh', [x]);
    case 'silu':
    case 'swish':
      return g.one('Mul', [x, g.one('Sigmoid', [x])]);
  }
}

/**
 * x·W as onnxruntime's `quantize_dynamic(per_channel=True, weight_type=QInt8)` writes it for a MatMul with a
 * constant weight: DynamicQuantizeLinear of x, MatMulInteger with int8 weights (zero points 0), Cast, and a
 * Mul by x_scale · w_scale; ORT fuses that chain itself.
 */
export function dynamicQuantizedMatMul(
  g: GraphBuilder,
  x: string,
  weight: Float32Array,
  name: string,
  inDim: number,
  outDim: number,
): string {
  const { values, scales } = quantizePerChannel(weight, inDim, outDim);
  const [xq, xScale, xZero] = g.op('DynamicQuantizeLinear', [x], { outputs: 3 }) as [string, string, string];
  const product = g.one('MatMulInteger', [
    xq,
    g.initializer(`${name}_quantized`, [inDim, outDim], values),
    xZero,
    g.initializer(`${name}_zero_point`, [outDim], new Int8Array(outDim)),
  ]);
  const scale = g.one('Mul', [xScale, g.initializer(`${name}_scale`, [outDim], scales)]);
  return g.one('Mul', [g.one('Cast', [product], { to: 1 }), scale]);
}
