import type { Dim, ElementType, GraphBuilder, GraphNode } from '../graph.js';
import { AutodiffError } from './errors.js';

/**
 * What autodiff knows about one value: its element type, its dims (a number when static, a symbol such as
 * `'batch'` otherwise; symbolic dims are never 1), and, for small int64 tensors whose contents are known
 * (constants, `Shape` outputs and arithmetic on them), those contents, which may themselves be symbolic.
 */
export interface ValueMeta {
  type: ElementType;
  dims: Dim[];
  value?: Dim[];
}

/** ONNX TensorProto element types by number, for `Cast`'s `to`. */
const ONNX_TYPES: Record<number, ElementType> = {
  1: 'float32',
  3: 'int8',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  11: 'float64',
};
export const ONNX_TYPE_NUMBER: Partial<Record<ElementType, number>> = {
  float32: 1,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

export function isFloat(type: ElementType): boolean {
  return type === 'float32' || type === 'float64';
}

const UNARY_SAME = new Set([
  'Neg',
  'Sqrt',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Exp',
  'Log',
  'Relu',
  'Abs',
  'Sign',
  'Identity',
  'Softmax',
  'LogSoftmax',
  'Gelu',
  'Not',
  'Reciprocal',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'BiasGelu']);
const COMPARE = new Set(['Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'And', 'Or']);

/** Shapes and types of every value of a graph, inferred node by node (`infer` again for nodes added later). */
export class ShapeTable {
  private readonly metas = new Map<string, ValueMeta>();
  private symbols = 0;

  constructor(private readonly g: GraphBuilder) {}

  /** A fresh symbolic dim for sizes the table cannot work out statically. */
  fresh(): string {
    this.symbols += 1;
    return `?${this.symbols}`;
  }

  get(name: string): ValueMeta {
    let meta = this.metas.get(name);
    if (meta === undefined) {
      const info = this.g.tensorInfo(name);
      if (info === undefined)
        throw new AutodiffError(`no shape is known for value "${name}"`, {
          hint: 'Declare it with GraphBuilder.input/initializer, or emit its producer before asking for gradients',
        });
      meta = { type: info.type, dims: [...info.dims] };
      if (info.type === 'int64' && info.data instanceof BigInt64Array && info.data.length <= 64)
        meta.value = Array.from(info.data, Number);
      this.metas.set(name, meta);
    }
    return meta;
  }

  /** Records what a rule knows better than inference (e.g. a gradient has its value's shape). */
  set(name: string, meta: ValueMeta): void {
    this.metas.set(name, meta);
  }

  has(name: string): boolean {
    return this.metas.has(name) || this.g.tensorInfo(name) !== undefined;
  }

  /** Records the outputs of one node (the nodes before it must be inferred already). */
  infer(node: GraphNode): void {
    const outs = inferNode(this, node);
    node.outputs.forEach((name, i) => {
      const meta = outs[i];
      if (name !== '' && meta !== undefined) this.metas.set(name, meta);
    });
  }

  /** Infers every node of the builder not yet seen. */
  inferAll(): void {
    for (const node of this.g.nodeList()) {
      if (node.outputs.every((o) => o === '' || this.metas.has(o))) continue;
      this.infer(node);
    }
  }
}

export function broadcastDims(shapes: readonly (readonly Dim[])[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (dim === 1) dim = d;
      else if (typeof dim === 'number' && typeof d === 'number' && dim !== d)
        throw new AutodiffError(`cannot broadcast dims ${dim} and ${d}`);
    }
    out.push(dim);
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function product(dims: readonly Dim[]): Dim {
  let p = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return dims.length === 1 ? d : `(${dims.join('*')})`;
    p *= d;
  }
  return p;
}

function attrInts(node: GraphNode, name: string): number[] | undefined {
  const value = node.attrs[name];
  return Array.isArray(value) ? value : undefined;
}

function attrInt(node: GraphNode, name: string, fallback: number): number {
  const value = node.attrs[name];
  return typeof value === 'number' ? value : fallback;
}

function constValues(table: ShapeTable, name: string | undefined, what: string, op: string): Dim[] {
  const value = name === undefined || name === '' ? undefined : table.get(name).value;
  if (value === undefined)
    throw new AutodiffError(`${op}: its ${what} input must be a constant (or a Shape of a known value)`, {
      hint: 'Pass shapes, axes and slice bounds as int64 initializers (GraphBuilder.constInt64)',
    });
  return value;
}

function numbers(values: Dim[], op: string): number[] {
  return values.map((v) => {
    if (typeof v !== 'number')
      throw new AutodiffError(`${op}: expected static integers, got ${values.join(',')}`);
    return v;
  });
}

function inferNode(table: ShapeTable, node: GraphNode): (ValueMeta | undefined)[] {
  const { opType: op } = node;
  const input = (i: number) => {
    const name = node.inputs[i];
    if (name === undefined || name === '') throw new AutodiffError(`${op}: missing input ${i}`);
    return table.get(name);
  };
  const x = () => input(0);
  if (UNARY_SAME.has(op)) return [{ type: x().type, dims: [...x().dims] }];
  if (BINARY.has(op)) {
    const metas = node.inputs.filter((n) => n !== '').map((n) => table.get(n));
    return [{ type: metas[0]?.type ?? 'float32', dims: broadcastDims(metas.map((m) => m.dims)) }];
  }
  if (COMPARE.has(op)) return [{ type: 'bool', dims: broadcastDims([x().dims, input(1).dims]) }];
  switch (op) {
    case 'Where':
      return [{ type: input(1).type, dims: broadcastDims([x().dims, input(1).dims, input(2).dims]) }];
    case 'Cast': {
      const to = ONNX_TYPES[attrInt(node, 'to', 1)];
      if (to === undefined) throw new AutodiffError(`Cast: unsupported target type ${node.attrs.to}`);
      const meta: ValueMeta = { type: to, dims: [...x().dims] };
      if (x().value !== undefined && to === 'int64') meta.value = x().value;
      return [meta];
    }
    case 'Dropout':
      return [
        { type: x().type, dims: [...x().dims] },
        { type: 'bool', dims: [...x().dims] },
      ];
    case 'MatMul':
    case 'FusedMatMul': {
      let a = [...x().dims];
      let b = [...input(1).dims];
      if (a.length < 2 || b.length < 2) throw new AutodiffError(`${op}: 1-D operands are not supported`);
      if (attrInt(node, 'transA', 0)) a = [...a.slice(0, -2), a[a.length - 1] as Dim, a[a.length - 2] as Dim];
      if (attrInt(node, 'transB', 0)) b = [...b.slice(0, -2), b[b.length - 1] as Dim, b[b.length - 2] as Dim];
      const batch = broadcastDims([a.slice(0, -2), b.slice(0, -2)]);
      return [{ type: x().type, dims: [...batch, a[a.length - 2] as Dim, b[b.length - 1] as Dim] }];
    }
    case 'Gemm': {
      const a = x().dims;
      const b = input(1).dims;
      const m = attrInt(node, 'transA', 0) ? a[1] : a[0];
      const n = attrInt(node, 'transB', 0) ? b[0] : b[1];
      return [{ type: x().type, dims: [m as Dim, n as Dim] }];
    }
    case 'LayerNormalization': {
      const dims = x().dims;
      const axis = normAxis(attrInt(node, 'axis', -1), dims.length);
      const stats = dims.map((d, i) => (i < axis ? d : 1));
      return [
        { type: x().type, dims: [...dims] },
        { type: 'float32', dims: stats },
        { type: 'float32', dims: [...stats] },
      ];
    }
    case 'Gather': {
      const data = x().dims;
      const axis = normAxis(attrInt(node, 'axis', 0), data.length);
      const indices = input(1);
      const meta: ValueMeta = {
        type: x().type,
        dims: [...data.slice(0, axis), ...indices.dims, ...data.slice(axis + 1)],
      };
      const values = x().value;
      if (values !== undefined && data.length === 1 && indices.value !== undefined)
        meta.value = numbers(indices.value, op).map((i) => values[normAxis(i, values.length)] as Dim);
      return [meta];
    }
    case 'GatherElements':
      return [{ type: x().type, dims: [...input(1).dims] }];
    case 'ScatterND':
    case 'ScatterElements':
      return [{ type: x().type, dims: [...x().dims] }];
    case 'Shape': {
      const dims = x().dims;
      return [{ type: 'int64', dims: [dims.length], value: [...dims] }];
    }
    case 'Size':
      return [{ type: 'int64', dims: [], value: [product(x().dims)] }];
    case 'Reshape': {
      const dims = x().dims;
      const target = input(1);
      if (target.value === undefined) {
        const rank = target.dims[0];
        if (typeof rank !== 'number')
          throw new AutodiffError('Reshape: the rank of the new shape is unknown');
        return [{ type: x().type, dims: Array.from({ length: rank }, () => table.fresh()) }];
      }
      const out = target.value.map((d, i) => (d === 0 ? (dims[i] as Dim) : d));
      const unknown = out.indexOf(-1);
      if (unknown >= 0) {
        const known = out.filter((_, i) => i !== unknown);
        const total = product(dims);
        const part = product(known);
        out[unknown] =
          typeof total === 'number' && typeof part === 'number'
            ? total / part
            : dims.length === known.length + 1 && known.every((d, i) => d === dims[i])
              ? (dims[dims.length - 1] as Dim)
              : total === part
                ? 1
                : table.fresh();
      }
      return [{ type: x().type, dims: out, ...(x().value !== undefined ? { value: x().value } : {}) }];
    }
    case 'Transpose': {
      const dims = x().dims;
      const perm = attrInts(node, 'perm') ?? dims.map((_, i) => dims.length - 1 - i);
      return [{ type: x().type, dims: perm.map((p) => dims[p] as Dim) }];
    }
    case 'Slice': {
      const dims = [...x().dims];
      const starts = numbers(constValues(table, node.inputs[1], 'starts', op), op);
      const ends = numbers(constValues(table, node.inputs[2], 'ends', op), op);
      const axes = node.inputs[3]
        ? numbers(constValues(table, node.inputs[3], 'axes', op), op)
        : starts.map((_, i) => i);
      const steps = node.inputs[4] ? numbers(constValues(table, node.inputs[4], 'steps', op), op) : undefined;
      const values = x().value;
      axes.forEach((a, i) => {
        const axis = normAxis(a, dims.length);
        const dim = dims[axis] as Dim;
        const step = steps?.[i] ?? 1;
        const start = starts[i] as number;
        const end = ends[i] as number;
        if (typeof dim === 'number') {
          const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
          dims[axis] = Math.max(0, Math.ceil((clamp(end) - clamp(start)) / step));
        } else if (step === 1 && start >= 0 && end >= 0 && end < 2 ** 31) {
          dims[axis] = end - start;
        } else if (!(step === 1 && start === 0 && end >= 2 ** 31)) {
          dims[axis] = table.fresh();
        }
      });
      const meta: ValueMeta = { type: x().type, dims };
      if (values !== undefined && axes.length === 1 && (steps?.[0] ?? 1) === 1) {
        const n = values.length;
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
        meta.value = values.slice(clamp(starts[0] as number), clamp(ends[0] as number));
      }
      return [meta];
    }
    case 'Concat': {
      const metas = node.inputs.map((n) => table.get(n));
      const first = metas[0] as ValueMeta;
      const axis = normAxis(attrInt(node, 'axis', 0), first.dims.length);
      const dims = [...first.dims];
      const sizes = metas.map((m) => m.dims[axis] as Dim);
      dims[axis] = sizes.every((s) => typeof s === 'number')
        ? (sizes as number[]).reduce((a, b) => a + b, 0)
        : table.fresh();
      const meta: ValueMeta = { type: first.type, dims };
      if (first.dims.length === 1 && metas.every((m) => m.value !== undefined))
        meta.value = metas.flatMap((m) => m.value as Dim[]);
      return [meta];
    }
    case 'Split': {
      const dims = x().dims;
      const axis = normAxis(attrInt(node, 'axis', 0), dims.length);
      const parts = node.outputs.length;
      const sizes = node.inputs[1]
        ? constValues(table, node.inputs[1], 'split', op)
        : Array.from({ length: parts }, () => {
            const d = dims[axis] as Dim;
            return typeof d === 'number' ? d / parts : table.fresh();
          });
      return sizes.map((s) => {
        const out = [...dims];
        out[axis] = s;
        return { type: x().type, dims: out };
      });
    }
    case 'Squeeze': {
      const dims = x().dims;
      const axes = node.inputs[1]
        ? numbers(constValues(table, node.inputs[1], 'axes', op), op).map((a) => normAxis(a, dims.length))
        : dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      return [{ type: x().type, dims: dims.filter((_, i) => !axes.includes(i)), value: x().value }];
    }
    case 'Unsqueeze': {
      const dims = [...x().dims];
      const rank = dims.length + constValues(table, node.inputs[1], 'axes', op).length;
      const axes = numbers(constValues(table, node.inputs[1], 'axes', op), op)
        .map((a) => normAxis(a, rank))
        .sort((a, b) => a - b);
      for (const a of axes) dims.splice(a, 0, 1);
      return [{ type: x().type, dims, ...(x().value !== undefined ? { value: x().value } : {}) }];
    }
    case 'Expand': {
      const target = input(1);
      const shape =
        target.value ?? Array.from({ length: (target.dims[0] as number) ?? 0 }, (): Dim => table.fresh());
      return [{ type: x().type, dims: broadcastDims([x().dims, shape]) }];
    }
    case 'ConstantOfShape': {
      const shape = constValues(table, node.inputs[0], 'shape', op);
      return [{ type: 'float32', dims: [...shape] }];
    }
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceSumSquare':
    case 'ReduceMax':
    case 'ReduceProd':
    case 'ReduceL2': {
      const dims = x().dims;
      const fromInput = op === 'ReduceSum' && node.inputs[1];
      const axes = (
        fromInput
          ? numbers(constValues(table, node.inputs[1], 'axes', op), op)
          : (attrInts(node, 'axes') ?? dims.map((_, i) => i))
      ).map((a) => normAxis(a, dims.length));
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const out = keep
        ? dims.map((d, i) => (axes.includes(i) ? 1 : d))
        : dims.filter((_, i) => !axes.includes(i));
      const meta: ValueMeta = { type: x().type, dims: out };
      if (op === 'ReduceProd' && x().value !== undefined && !keep && dims.length === 1)
        meta.value = [product(x().value as Dim[])];
      return [meta];
    }
    case 'OneHot': {
      const depth = constValues(table, node.inputs[1], 'depth', op)[0] as Dim;
      return [{ type: input(2).type, dims: [...x().dims, depth] }];
    }
    case 'SoftmaxCrossEntropyLoss': {
      const reduction = node.attrs.reduction ?? 'mean';
      return [
        { type: x().type, dims: reduction === 'none' ? [...input(1).dims] : [] },
        { type: x().type, dims: [...x().dims] },
      ];
    }
    case 'Pad': {
      const dims = [...x().dims];
      const padValues = node.inputs[1] ? table.get(node.inputs[1]).value : undefined;
      if (padValues === undefined || padValues.some((v) => typeof v !== 'number'))
        return [{ type: x().type, dims: dims.map(() => table.fresh()) }];
      const pads = padValues as number[];
      const rank = dims.length;
      return [
        {
          type: x().type,
          dims: dims.map((d, i) =>
            typeof d === 'number' ? d + (pads[i] as number) + (pads[i + rank] as number) : table.fresh(),
          ),
        },
      ];
    }
    case 'Range':
      return [{ type: x().type, dims: [table.fresh()] }];
    case 'NonZero':
      return [{ type: 'int64', dims: [x().dims.length, table.fresh()] }];
    case 'CumSum':
      return [{ type: x().type, dims: [...x().dims] }];
    case 'RandomUniformLike':
      return [{ type: 'float32', dims: [...x().dims] }];
    default:
      throw new AutodiffError(`no shape rule for operator ${op}`, {
        hint: 'Autodiff supports the standard opset-17 operators the training forward uses (see autodiff/rules.ts)',
      });
  }
}
