import type { GraphNode } from '../graph.js';
import { type Emitter, SLICE_END } from './context.js';
import { AutodiffError } from './errors.js';
import { ONNX_TYPE_NUMBER } from './shapes.js';

/**
 * A gradient rule: given the gradients flowing into a node's outputs (`dy[i]`, undefined where none flows),
 * emits the gradients of the inputs flagged in `needs` and returns them by input position.
 */
export type GradientRule = (
  e: Emitter,
  node: GraphNode,
  dy: readonly (string | undefined)[],
  needs: readonly boolean[],
) => (string | undefined)[];

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function attrInt(node: GraphNode, name: string, fallback: number): number {
  const v = node.attrs[name];
  return typeof v === 'number' ? v : fallback;
}

function attrFloat(node: GraphNode, name: string, fallback: number): number {
  const v = node.attrs[name];
  if (typeof v === 'number') return v;
  if (v !== undefined && typeof v === 'object' && !Array.isArray(v)) return v.float;
  return fallback;
}

function input(node: GraphNode, i: number): string {
  return node.inputs[i] as string;
}

function first(dy: readonly (string | undefined)[], node: GraphNode): string {
  const d = dy[0];
  if (d === undefined) throw new AutodiffError(`${node.opType}: no gradient reaches its output`);
  return d;
}

function constNumbers(e: Emitter, name: string | undefined, what: string, op: string): number[] {
  const value = name === undefined || name === '' ? undefined : e.meta(name).value;
  if (value === undefined || value.some((v) => typeof v !== 'number'))
    throw new AutodiffError(`${op}: its ${what} must be a static int64 constant to differentiate it`);
  return value as number[];
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** `dy · f'(x)` for elementwise rules. */
const unary =
  (derivative: (e: Emitter, node: GraphNode, dy: string) => string): GradientRule =>
  (e, node, dy) => [derivative(e, node, first(dy, node))];

/** GELU(x) = x·Φ(x); GELU'(x) = Φ(x) + x·φ(x), with Φ(x) = (1 + erf(x/√2))/2, φ(x) = exp(-x²/2)/√(2π). */
export function geluBackward(e: Emitter, x: string, dy: string): string {
  // 2·GELU'(x) = 1 + erf(t) + 2/√π · t · exp(−t²) with t = x/√2; nine passes over x.
  const type = e.meta(x).type;
  const t = e.scale(x, SQRT1_2);
  const density = e.one('Exp', [e.one('Mul', [t, e.one('Neg', [t])])]);
  const slopeTwice = e.one('Sum', [
    e.one('Erf', [t]),
    e.scalar(1, type),
    e.one('Mul', [e.scale(t, TWO_OVER_SQRT_PI), density]),
  ]);
  return e.one('Mul', [e.scale(dy, 0.5), slopeTwice]);
}

/** Gradient of `op(a)·op(b)` with respect to a and b (batched MatMul, FusedMatMul). */
function matmulRule(
  e: Emitter,
  node: GraphNode,
  dyAll: readonly (string | undefined)[],
  needs: readonly boolean[],
) {
  const dy = first(dyAll, node);
  const a = input(node, 0);
  const b = input(node, 1);
  const tA = attrInt(node, 'transA', 0) === 1;
  const tB = attrInt(node, 'transB', 0) === 1;
  const alpha = attrFloat(node, 'alpha', 1);
  const rankA = e.dims(a).length;
  const rankB = e.dims(b).length;
  let da: string | undefined;
  let db: string | undefined;
  if (needs[0]) {
    // dA = dY·op(B)ᵀ (or its transpose when A was read transposed).
    if (!tA) da = e.matmul(dy, b, false, !tB, alpha);
    else da = e.matmul(b, dy, tB, true, alpha);
    da = e.unbroadcast(da, a);
  }
  if (needs[1]) {
    if (rankB === 2 && rankA > 2 && !tA) {
      // A weight shared by every row: one GEMM over all rows, no batched product then sum.
      const a2 = e.rows(a);
      const dy2 = e.rows(dy);
      db = tB ? e.gemm(dy2, a2, true, false, alpha) : e.gemm(a2, dy2, true, false, alpha);
    } else {
      if (!tB) db = tA ? e.matmul(a, dy, false, false, alpha) : e.matmul(a, dy, true, false, alpha);
      else db = tA ? e.matmul(dy, a, true, true, alpha) : e.matmul(dy, a, true, false, alpha);
      db = e.unbroadcast(db, b);
    }
  }
  return [da, db];
}

function reduceGrad(e: Emitter, node: GraphNode, dy: string, axesInput: boolean): string {
  const x = input(node, 0);
  const rank = e.dims(x).length;
  const axesRaw = axesInput
    ? node.inputs[1]
      ? constNumbers(e, node.inputs[1], 'axes', node.opType)
      : undefined
    : (node.attrs.axes as number[] | undefined);
  const axes = (axesRaw ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank));
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const expanded = keep ? dy : e.one('Unsqueeze', [dy, e.ints(axes)]);
  return e.one('Expand', [expanded, e.shapeOf(x)]);
}

function meanCount(e: Emitter, x: string, axes: number[]): number | string {
  const dims = e.dims(x);
  const picked = axes.map((a) => dims[a]);
  if (picked.every((d) => typeof d === 'number')) return (picked as number[]).reduce((p, d) => p * d, 1);
  const count = e.one('ReduceProd', [e.one('Gather', [e.shapeOf(x), e.ints(axes)], { axis: 0 })], {
    keepdims: 0,
  });
  return e.one('Cast', [count], { to: ONNX_TYPE_NUMBER[e.meta(x).type] as number });
}

/**
 * LayerNormalization over the last axis, from its saved Mean and InvStdDev (the rule asks the forward node for
 * them): x̂ = (x − μ)·σ⁻¹, dγ = Σ dy·x̂, dβ = Σ dy, dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ.
 */
const layerNormRule: GradientRule = (e, node, dyAll, needs) => {
  const dy = first(dyAll, node);
  const x = input(node, 0);
  const gamma = input(node, 1);
  const dims = e.dims(x);
  const rank = dims.length;
  if (normAxis(attrInt(node, 'axis', -1), rank) !== rank - 1)
    throw new AutodiffError('LayerNormalization: only normalisation over the last axis is differentiable', {
      hint: 'Normalise over axis -1',
    });
  if (node.outputs.length < 3 || node.outputs[1] === '' || node.outputs[2] === '') {
    node.outputs = [node.outputs[0] as string, e.g.name('ln_mean'), e.g.name('ln_inv_std')];
    e.table.infer(node);
  }
  const type = e.meta(x).type;
  const asType = (v: string) =>
    type === 'float32' ? v : e.one('Cast', [v], { to: ONNX_TYPE_NUMBER[type] as number });
  const mean = asType(node.outputs[1] as string);
  const invStd = asType(node.outputs[2] as string);
  const xhat = e.one('Mul', [e.one('Sub', [x, mean]), invStd]);
  const rowAxes = e.ints(Array.from({ length: rank - 1 }, (_, i) => i));
  const grads: (string | undefined)[] = [undefined, undefined, undefined];
  if (needs[1]) grads[1] = e.one('ReduceSum', [e.one('Mul', [dy, xhat]), rowAxes], { keepdims: 0 });
  if (needs[2] && node.inputs[2]) grads[2] = e.one('ReduceSum', [dy, rowAxes], { keepdims: 0 });
  if (needs[0]) {
    const gdy = e.one('Mul', [dy, gamma]);
    const meanG = e.one('ReduceMean', [gdy], { axes: [-1], keepdims: 1 });
    const meanGX = e.one('ReduceMean', [e.one('Mul', [gdy, xhat])], { axes: [-1], keepdims: 1 });
    const centred = e.one('Sub', [e.one('Sub', [gdy, meanG]), e.one('Mul', [xhat, meanGX])]);
    grads[0] = e.one('Mul', [centred, invStd]);
  }
  return grads;
};

/**
 * SoftmaxCrossEntropyLoss (`[N, C]` scores, `[N]` labels, mean or sum reduction, optional ignore_index):
 * d scores = (softmax − onehot(label)) · valid / count, from the node's log-probability output.
 */
const softmaxCrossEntropyRule: GradientRule = (e, node, dyAll, needs) => {
  if (!needs[0]) return [];
  const dy = first(dyAll, node);
  const scores = input(node, 0);
  const labels = input(node, 1);
  if (node.inputs[2]) throw new AutodiffError('SoftmaxCrossEntropyLoss: class weights are not supported');
  if (e.dims(scores).length !== 2)
    throw new AutodiffError('SoftmaxCrossEntropyLoss: only [N, C] scores are supported', {
      hint: 'Reshape the scores to [N, C] and the labels to [N] first',
    });
  const reduction = (node.attrs.reduction as string | undefined) ?? 'mean';
  if (reduction === 'none')
    throw new AutodiffError('SoftmaxCrossEntropyLoss: reduction none is not supported');
  if (node.outputs.length < 2 || node.outputs[1] === '') {
    node.outputs = [node.outputs[0] as string, e.g.name('log_prob')];
    e.table.infer(node);
  }
  const type = e.meta(scores).type;
  const typeNumber = ONNX_TYPE_NUMBER[type] as number;
  const probs = e.one('Exp', [node.outputs[1] as string]);
  const ignore = node.attrs.ignore_index;
  let weight: string;
  let safeLabels = labels;
  if (typeof ignore === 'number') {
    const valid = e.one('Not', [e.one('Equal', [labels, e.g.constInt64([ignore], true)])]);
    safeLabels = e.one('Where', [valid, labels, e.g.constInt64([0], true)]);
    weight = e.one('Cast', [valid], { to: typeNumber });
  } else {
    weight = e.one('Expand', [e.scalar(1, type), e.shapeOf(labels)]);
  }
  // Per row: dy · valid / count (count = number of valid rows for the mean).
  let rowScale = e.one('Mul', [weight, dy]);
  if (reduction === 'mean')
    rowScale = e.one('Div', [rowScale, e.one('ReduceSum', [weight], { keepdims: 0 })]);
  const column = e.ints([1]);
  const base = e.one('Mul', [probs, e.one('Unsqueeze', [rowScale, column])]);
  const labelColumn = e.one('Unsqueeze', [
    e.meta(safeLabels).type === 'int64' ? safeLabels : e.one('Cast', [safeLabels], { to: 7 }),
    column,
  ]);
  const update = e.one('Neg', [e.one('Unsqueeze', [rowScale, column])]);
  return [e.one('ScatterElements', [base, labelColumn, update], { axis: 1, reduction: 'add' })];
};

/** Gather along `axis`: scatter-add of the gradient rows into zeros shaped like the data. */
const gatherRule: GradientRule = (e, node, dyAll, needs) => {
  if (!needs[0]) return [];
  const dy = first(dyAll, node);
  const data = input(node, 0);
  let indices = input(node, 1);
  if (e.meta(indices).type !== 'int64') indices = e.one('Cast', [indices], { to: 7 });
  const rank = e.dims(data).length;
  const axis = normAxis(attrInt(node, 'axis', 0), rank);
  const q = e.dims(indices).length;
  const column =
    q === 0 ? e.one('Reshape', [indices, e.ints([1])]) : e.one('Unsqueeze', [indices, e.ints([q])]);
  if (axis === 0) {
    return [e.one('ScatterND', [e.zerosLike(data), column, dy], { reduction: 'add' })];
  }
  const picked = e.meta(indices).value;
  if (
    picked !== undefined &&
    picked.length === 1 &&
    typeof picked[0] === 'number' &&
    (picked[0] as number) >= 0
  ) {
    // One constant position (CLS pooling): pad the gradient back around it, one write of the data's size.
    const k = picked[0] as number;
    const row = q === 0 ? e.one('Unsqueeze', [dy, e.ints([axis])]) : dy;
    const dim = e.dims(data)[axis] as number | string;
    const before: (number | string)[] = Array(rank).fill(0);
    const after: (number | string)[] = Array(rank).fill(0);
    before[axis] = k;
    after[axis] =
      typeof dim === 'number' ? dim - k - 1 : e.one('Sub', [e.dimOf(data, axis), e.ints([k + 1])]);
    const padded = e.one('Pad', [row, e.concatInts([...before, ...after])], { mode: 'constant' });
    e.table.set(padded, { type: e.meta(data).type, dims: [...e.dims(data)] });
    return [padded];
  }
  // Move the gathered axis to the front, scatter, move it back.
  const dataPerm = [axis, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)];
  const dyRank = e.dims(dy).length;
  const dyPerm = [
    ...Array.from({ length: q }, (_, i) => axis + i),
    ...Array.from({ length: dyRank }, (_, i) => i).filter((i) => i < axis || i >= axis + q),
  ];
  const dataDims = e.dims(data);
  const shapeT = dataDims.every((d) => typeof d === 'number')
    ? e.ints(dataPerm.map((p) => dataDims[p] as number))
    : e.one('Gather', [e.shapeOf(data), e.ints(dataPerm)], { axis: 0 });
  const zerosT = e.one('Expand', [e.scalar(0, e.meta(data).type), shapeT]);
  const dyT = e.one('Transpose', [dy], { perm: dyPerm });
  const scattered = e.one('ScatterND', [zerosT, column, dyT], { reduction: 'add' });
  const inverse = dataPerm.map((_, i) => dataPerm.indexOf(i));
  return [e.one('Transpose', [scattered], { perm: inverse })];
};

const sliceRule: GradientRule = (e, node, dyAll, needs) => {
  if (!needs[0]) return [];
  const dy = first(dyAll, node);
  const x = input(node, 0);
  const dims = e.dims(x);
  const rank = dims.length;
  const starts = constNumbers(e, node.inputs[1], 'starts', 'Slice');
  const ends = constNumbers(e, node.inputs[2], 'ends', 'Slice');
  const axes = node.inputs[3] ? constNumbers(e, node.inputs[3], 'axes', 'Slice') : starts.map((_, i) => i);
  if (node.inputs[4] && constNumbers(e, node.inputs[4], 'steps', 'Slice').some((s) => s !== 1))
    throw new AutodiffError('Slice: only step 1 is differentiable');
  const before: (number | string)[] = Array(rank).fill(0);
  const after: (number | string)[] = Array(rank).fill(0);
  axes.forEach((a, i) => {
    const axis = normAxis(a, rank);
    const dim = dims[axis];
    const start = starts[i] as number;
    const end = ends[i] as number;
    if (typeof dim === 'number') {
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
      before[axis] = clamp(start);
      after[axis] = dim - Math.max(clamp(end), clamp(start));
      return;
    }
    if (start < 0)
      throw new AutodiffError('Slice: a negative start on a symbolic axis is not differentiable');
    before[axis] = start;
    if (end >= 2 ** 31) after[axis] = 0;
    else if (end < 0) after[axis] = -end;
    else after[axis] = e.one('Sub', [e.dimOf(x, axis), e.ints([end])]);
  });
  const padded = e.one('Pad', [dy, e.concatInts([...before, ...after])], { mode: 'constant' });
  e.table.set(padded, { type: e.meta(x).type, dims: [...dims] });
  return [padded];
};

const padRule: GradientRule = (e, node, dyAll, needs) => {
  if (!needs[0]) return [];
  const dy = first(dyAll, node);
  const pads = constNumbers(e, node.inputs[1], 'pads', 'Pad');
  if ((node.attrs.mode ?? 'constant') !== 'constant' || pads.some((p) => p < 0))
    throw new AutodiffError('Pad: only constant mode with non-negative pads is differentiable');
  const rank = pads.length / 2;
  const starts = pads.slice(0, rank);
  const ends = pads.slice(rank).map((p) => (p === 0 ? SLICE_END : -p));
  const axes = Array.from({ length: rank }, (_, i) => i);
  return [e.one('Slice', [dy, e.ints(starts), e.ints(ends), e.ints(axes)])];
};

const concatRule: GradientRule = (e, node, dyAll, needs) => {
  const dy = first(dyAll, node);
  const rank = e.dims(input(node, 0)).length;
  const axis = normAxis(attrInt(node, 'axis', 0), rank);
  const sizes = node.inputs.map((x) => {
    const d = e.dims(x)[axis];
    return typeof d === 'number' ? d : e.dimOf(x, axis);
  });
  const parts = e.op('Split', [dy, e.concatInts(sizes)], { axis }, node.inputs.length);
  return parts.map((p, i) => (needs[i] ? p : undefined));
};

const splitRule: GradientRule = (e, node, dyAll, needs) => {
  if (!needs[0]) return [];
  const rank = e.dims(input(node, 0)).length;
  const axis = normAxis(attrInt(node, 'axis', 0), rank);
  const parts = node.outputs.map((out, i) => dyAll[i] ?? e.zerosLike(out));
  return [e.one('Concat', parts, { axis })];
};

const reshapeRule: GradientRule = (e, node, dyAll, needs) => [
  needs[0] ? e.reshapeLike(first(dyAll, node), input(node, 0)) : undefined,
];

const RULES: Record<string, GradientRule> = {
  Identity: (_e, node, dy) => [first(dy, node)],
  Add: (e, node, dyAll, needs) => {
    const dy = first(dyAll, node);
    return [
      needs[0] ? e.unbroadcast(dy, input(node, 0)) : undefined,
      needs[1] ? e.unbroadcast(dy, input(node, 1)) : undefined,
    ];
  },
  Sum: (e, node, dyAll, needs) => {
    const dy = first(dyAll, node);
    return node.inputs.map((x, i) => (needs[i] ? e.unbroadcast(dy, x) : undefined));
  },
  Sub: (e, node, dyAll, needs) => {
    const dy = first(dyAll, node);
    return [
      needs[0] ? e.unbroadcast(dy, input(node, 0)) : undefined,
      needs[1] ? e.unbroadcast(e.one('Neg', [dy]), input(node, 1)) : undefined,
    ];
  },
  Mul: (e, node, dyAll, needs) => {
    const dy = first(dyAll, node);
    const [a, b] = [input(node, 0), input(node, 1)];
    return [
      needs[0] ? e.unbroadcast(e.one('Mul', [dy, b]), a) : undefined,
      needs[1] ? e.unbroadcast(e.one('Mul', [dy, a]), b) : undefined,
    ];
  },
  Div: (e, node, dyAll, needs) => {
    const dy = first(dyAll, node);
    const [a, b] = [input(node, 0), input(node, 1)];
    const y = node.outputs[0] as string;
    return [
      needs[0] ? e.unbroadcast(e.one('Div', [dy, b]), a) : undefined,
      needs[1] ? e.unbroadcast(e.one('Neg', [e.one('Div', [e.one('Mul', [dy, y]), b])]), b) : undefined,
    ];
  },
  Neg: unary((e, _node, dy) => e.one('Neg', [dy])),
  Sqrt: unary((e, node, dy) => e.one('Div', [e.scale(dy, 0.5), node.outputs[0] as string])),
  Reciprocal: unary((e, node, dy) => {
    const y = node.outputs[0] as string;
    return e.one('Neg', [e.one('Mul', [dy, e.one('Mul', [y, y])])]);
  }),
  Pow: (e, node, dyAll, needs) => {
    if (needs[1]) throw new AutodiffError('Pow: only a constant exponent is differentiable');
    const dy = first(dyAll, node);
    const x = input(node, 0);
    const info = e.g.tensorInfo(input(node, 1));
    const data = info?.data;
    if (data === undefined || data.length !== 1 || data instanceof BigInt64Array)
      throw new AutodiffError('Pow: the exponent must be a scalar float initializer');
    const p = Number(data[0]);
    if (p === 1) return [dy];
    if (p === 2) return [e.one('Mul', [dy, e.scale(x, 2)])];
    const power = e.one('Pow', [x, e.scalar(p - 1, e.meta(x).type)]);
    return [e.one('Mul', [dy, e.scale(power, p)])];
  },
  Erf: unary((e, node, dy) => {
    const x = input(node, 0);
    const slope = e.one('Exp', [e.one('Neg', [e.one('Mul', [x, x])])]);
    return e.one('Mul', [dy, e.scale(slope, TWO_OVER_SQRT_PI)]);
  }),
  Tanh: unary((e, node, dy) => {
    const y = node.outputs[0] as string;
    const type = e.meta(y).type;
    return e.one('Mul', [dy, e.one('Sub', [e.scalar(1, type), e.one('Mul', [y, y])])]);
  }),
  Sigmoid: unary((e, node, dy) => {
    const y = node.outputs[0] as string;
    const type = e.meta(y).type;
    return e.one('Mul', [dy, e.one('Mul', [y, e.one('Sub', [e.scalar(1, type), y])])]);
  }),
  Exp: unary((e, node, dy) => e.one('Mul', [dy, node.outputs[0] as string])),
  Log: unary((e, node, dy) => e.one('Div', [dy, input(node, 0)])),
  Relu: unary((e, node, dy) => {
    const x = input(node, 0);
    const zero = e.scalar(0, e.meta(x).type);
    return e.one('Where', [e.one('Greater', [x, zero]), dy, zero]);
  }),
  Abs: unary((e, node, dy) => e.one('Mul', [dy, e.one('Sign', [input(node, 0)])])),
  Softmax: unary((e, node, dy) => {
    const y = node.outputs[0] as string;
    const rank = e.dims(y).length;
    if (normAxis(attrInt(node, 'axis', -1), rank) !== rank - 1)
      throw new AutodiffError('Softmax: only the last axis is differentiable');
    const dot = e.one('ReduceSum', [e.one('Mul', [dy, y]), e.ints([-1])], { keepdims: 1 });
    return e.one('Mul', [y, e.one('Sub', [dy, dot])]);
  }),
  LogSoftmax: unary((e, node, dy) => {
    const y = node.outputs[0] as string;
    const rank = e.dims(y).length;
    if (normAxis(attrInt(node, 'axis', -1), rank) !== rank - 1)
      throw new AutodiffError('LogSoftmax: only the last axis is differentiable');
    const total = e.one('ReduceSum', [dy, e.ints([-1])], { keepdims: 1 });
    return e.one('Sub', [dy, e.one('Mul', [e.one('Exp', [y]), total])]);
  }),
  'com.microsoft:Gelu': unary((e, node, dy) => geluBackward(e, input(node, 0), dy)),
  'com.microsoft:BiasGelu': (e, node, dyAll, needs) => {
    const dy = first(dyAll, node);
    const sum = e.one('Add', [input(node, 0), input(node, 1)]);
    const dx = geluBackward(e, sum, dy);
    return [
      needs[0] ? e.unbroadcast(dx, input(node, 0)) : undefined,
      needs[1] ? e.unbroadcast(dx, input(node, 1)) : undefined,
    ];
  },
  LayerNormalization: layerNormRule,
  MatMul: matmulRule,
  'com.microsoft:FusedMatMul': matmulRule,
  Gemm: (e, node, dyAll, needs) => {
    const dy = first(dyAll, node);
    const [a, b] = [input(node, 0), input(node, 1)];
    const tA = attrInt(node, 'transA', 0) === 1;
    const tB = attrInt(node, 'transB', 0) === 1;
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const grads: (string | undefined)[] = [undefined, undefined, undefined];
    if (needs[0]) grads[0] = tA ? e.gemm(b, dy, tB, true, alpha) : e.gemm(dy, b, false, !tB, alpha);
    if (needs[1]) grads[1] = tB ? e.gemm(dy, a, true, tA, alpha) : e.gemm(a, dy, !tA, false, alpha);
    if (needs[2] && node.inputs[2]) grads[2] = e.unbroadcast(e.scale(dy, beta), input(node, 2));
    return grads;
  },
  Gather: gatherRule,
  GatherElements: (e, node, dyAll, needs) => {
    if (!needs[0]) return [];
    const data = input(node, 0);
    const axis = attrInt(node, 'axis', 0);
    return [
      e.one('ScatterElements', [e.zerosLike(data), input(node, 1), first(dyAll, node)], {
        axis,
        reduction: 'add',
      }),
    ];
  },
  Reshape: reshapeRule,
  Squeeze: reshapeRule,
  Unsqueeze: reshapeRule,
  Flatten: reshapeRule,
  Transpose: (e, node, dyAll, needs) => {
    if (!needs[0]) return [];
    const rank = e.dims(input(node, 0)).length;
    const perm =
      (node.attrs.perm as number[] | undefined) ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [e.one('Transpose', [first(dyAll, node)], { perm: inverse })];
  },
  Slice: sliceRule,
  Pad: padRule,
  Concat: concatRule,
  Split: splitRule,
  Expand: (e, node, dyAll, needs) => [
    needs[0] ? e.unbroadcast(first(dyAll, node), input(node, 0)) : undefined,
  ],
  Where: (e, node, dyAll, needs) => {
    const dy = first(dyAll, node);
    const cond = input(node, 0);
    const zero = e.scalar(0, e.meta(dy).type);
    return [
      undefined,
      needs[1] ? e.unbroadcast(e.one('Where', [cond, dy, zero]), input(node, 1)) : undefined,
      needs[2] ? e.unbroadcast(e.one('Where', [cond, zero, dy]), input(node, 2)) : undefined,
    ];
  },
  ReduceSum: (e, node, dyAll, needs) => [
    needs[0] ? reduceGrad(e, node, first(dyAll, node), true) : undefined,
  ],
  ReduceMean: (e, node, dyAll, needs) => {
    if (!needs[0]) return [];
    const x = input(node, 0);
    const rank = e.dims(x).length;
    const axes = ((node.attrs.axes as number[] | undefined) ?? Array.from({ length: rank }, (_, i) => i)).map(
      (a) => normAxis(a, rank),
    );
    const count = meanCount(e, x, axes);
    const spread = reduceGrad(e, node, first(dyAll, node), false);
    return [typeof count === 'number' ? e.scale(spread, 1 / count) : e.one('Div', [spread, count])];
  },
  Cast: (e, node, dyAll, needs) => {
    if (!needs[0]) return [];
    const x = input(node, 0);
    const dy = first(dyAll, node);
    const type = e.meta(x).type;
    return [e.meta(dy).type === type ? dy : e.one('Cast', [dy], { to: ONNX_TYPE_NUMBER[type] as number })];
  },
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyRule,
};

/** Operators autodiff can differentiate (`domain:op` for contrib operators). */
export const DIFFERENTIABLE_OPERATORS: readonly string[] = Object.keys(RULES);

export function ruleFor(node: GraphNode): GradientRule {
  const key = node.domain === '' || node.domain === 'ai.onnx' ? node.opType : `${node.domain}:${node.opType}`;
  const rule = RULES[key];
  if (rule === undefined)
    throw new AutodiffError(`no gradient rule for operator ${key}`, {
      hint: `Differentiable operators: ${DIFFERENTIABLE_OPERATORS.join(', ')}`,
    });
  return rule;
}
