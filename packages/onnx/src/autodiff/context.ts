import {
  type AttributeValue,
  type Dim,
  type ElementType,
  type GraphBuilder,
  type GraphNode,
  MS_DOMAIN,
} from '../graph.js';
import { AutodiffError } from './errors.js';
import { isFloat, type ShapeTable, type ValueMeta } from './shapes.js';

/** Largest int64 Slice bound, "to the end". */
export const SLICE_END = 2 ** 53 - 1;

/**
 * Emits backward nodes into the forward's graph and keeps the shape table in step with them, so that rules can
 * ask for the dims of anything they emitted.
 */
export class Emitter {
  private readonly scalars = new Map<string, string>();
  private readonly shapes = new Map<string, string>();

  constructor(
    readonly g: GraphBuilder,
    readonly table: ShapeTable,
    /** Use ORT's com.microsoft FusedMatMul (transposed operands without copies) for float32. */
    readonly contrib: boolean,
  ) {}

  meta(name: string): ValueMeta {
    return this.table.get(name);
  }

  dims(name: string): Dim[] {
    return this.table.get(name).dims;
  }

  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttributeValue> = {},
    outputs = 1,
    domain = '',
  ): string[] {
    const names = this.g.op(opType, inputs, { attrs, outputs, domain });
    const nodes = this.g.nodeList();
    this.table.infer(nodes[nodes.length - 1] as GraphNode);
    return names;
  }

  one(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttributeValue> = {},
    domain = '',
  ): string {
    return this.op(opType, inputs, attrs, 1, domain)[0] as string;
  }

  /** A scalar constant of a float type. */
  scalar(value: number, type: ElementType): string {
    const key = `${type}:${value}`;
    let name = this.scalars.get(key);
    if (name === undefined) {
      if (type === 'float32') name = this.g.constFloat([value], true);
      else if (type === 'float64') name = this.g.initializer('constd', [], Float64Array.of(value));
      else throw new AutodiffError(`no float constant of type ${type}`);
      this.scalars.set(key, name);
    }
    return name;
  }

  /** `x · c` for a scalar constant c (nothing for c = 1). */
  scale(x: string, c: number): string {
    if (c === 1) return x;
    if (c === -1) return this.one('Neg', [x]);
    return this.one('Mul', [x, this.scalar(c, this.meta(x).type)]);
  }

  ints(values: readonly number[]): string {
    return this.g.constInt64(values);
  }

  /** The shape of `name` as an int64 tensor: a constant when every dim is static, else a (cached) Shape node. */
  shapeOf(name: string): string {
    const dims = this.dims(name);
    if (dims.every((d) => typeof d === 'number')) return this.ints(dims as number[]);
    let shape = this.shapes.get(name);
    if (shape === undefined) {
      shape = this.one('Shape', [name]);
      this.shapes.set(name, shape);
    }
    return shape;
  }

  /** One dim of `name` as an int64 `[1]` tensor. */
  dimOf(name: string, axis: number): string {
    const d = this.dims(name)[axis];
    if (typeof d === 'number') return this.ints([d]);
    return this.one('Gather', [this.shapeOf(name), this.ints([axis])], { axis: 0 });
  }

  /** A 1-D int64 tensor from static numbers and `[1]`-shaped dynamic pieces. */
  concatInts(parts: readonly (number | string)[]): string {
    if (parts.every((p) => typeof p === 'number')) return this.ints(parts as number[]);
    return this.one(
      'Concat',
      parts.map((p) => (typeof p === 'number' ? this.ints([p]) : p)),
      { axis: 0 },
    );
  }

  /** Zeros shaped like `name`. */
  zerosLike(name: string): string {
    return this.one('Expand', [this.scalar(0, this.meta(name).type), this.shapeOf(name)]);
  }

  reshapeLike(x: string, like: string): string {
    return this.one('Reshape', [x, this.shapeOf(like)]);
  }

  /** Sums a broadcast gradient back to the shape of `target` (leading axes, and axes where target has 1). */
  unbroadcast(grad: string, target: string): string {
    const t = this.dims(target);
    const d = this.dims(grad);
    const lead = d.length - t.length;
    const inner: number[] = [];
    t.forEach((dim, i) => {
      if (dim === 1 && d[lead + i] !== 1) inner.push(lead + i);
    });
    let out = grad;
    if (inner.length > 0) out = this.one('ReduceSum', [out, this.ints(inner)], { keepdims: 1 });
    if (lead > 0)
      out = this.one('ReduceSum', [out, this.ints(Array.from({ length: lead }, (_, i) => i))], {
        keepdims: 0,
      });
    return out;
  }

  /** Swaps the last two axes. */
  transposeLast(x: string): string {
    const rank = this.dims(x).length;
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return this.one('Transpose', [x], { perm });
  }

  /**
   * `alpha · op(a) · op(b)` (batched). Float32 uses ORT's FusedMatMul, which reads transposed operands in place;
   * otherwise (float64 checks) explicit Transposes and a MatMul.
   */
  matmul(a: string, b: string, transA: boolean, transB: boolean, alpha = 1): string {
    if (this.contrib && this.meta(a).type === 'float32')
      return this.one(
        'FusedMatMul',
        [a, b],
        { transA: transA ? 1 : 0, transB: transB ? 1 : 0, alpha: { float: alpha } },
        MS_DOMAIN,
      );
    const left = transA ? this.transposeLast(a) : a;
    const right = transB ? this.transposeLast(b) : b;
    return this.scale(this.one('MatMul', [left, right]), alpha);
  }

  /** `alpha · op(a) · op(b)` for 2-D operands (Gemm, which handles transposes without copies). */
  gemm(a: string, b: string, transA: boolean, transB: boolean, alpha = 1): string {
    return this.one('Gemm', [a, b], {
      transA: transA ? 1 : 0,
      transB: transB ? 1 : 0,
      alpha: { float: alpha },
    });
  }

  /** Flattens every axis but the last: `[..., n]` → `[rows, n]`. */
  rows(x: string): string {
    const dims = this.dims(x);
    if (dims.length === 2) return x;
    const last = dims[dims.length - 1] as Dim;
    const width = typeof last === 'number' ? last : this.dimOf(x, dims.length - 1);
    return this.one('Reshape', [x, this.concatInts([-1, width])]);
  }

  isFloatValue(name: string): boolean {
    return isFloat(this.meta(name).type);
  }
}
