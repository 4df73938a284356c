import type { GraphBuilder } from '../graph.js';
import { Emitter } from './context.js';
import { AutodiffError } from './errors.js';
import { geluBackward, ruleFor } from './rules.js';
import { isFloat, ShapeTable } from './shapes.js';
import { fusedUnitOf } from './units.js';

export interface GradientOptions {
  /**
   * The gradient fed into the loss: a constant 1 (default), or the name of a scalar graph input, e.g. `1/N` for
   * N accumulated micro-batches (as the Trainer divides the loss before backward).
   */
  seed?: string;
  /** Use ORT's com.microsoft FusedMatMul for float32 products with transposed operands (default true). */
  contribOps?: boolean;
  /** A shape table already holding the forward's values (reused across calls). */
  shapes?: ShapeTable;
}

/**
 * Reverse-mode differentiation of the scalar `loss` with respect to `params` (graph inputs or initializers of
 * float type). Backward nodes are appended to `g`; the result maps each parameter to the value holding its
 * gradient (a zero tensor for a parameter the loss does not depend on). Values used several times get the sum
 * of their gradients; integer tensors, masks and shapes are not differentiated.
 */
export function gradients(
  g: GraphBuilder,
  loss: string,
  params: readonly string[],
  options: GradientOptions = {},
): Map<string, string> {
  const table = options.shapes ?? new ShapeTable(g);
  table.inferAll();
  const e = new Emitter(g, table, options.contribOps ?? true);
  const lossMeta = table.get(loss);
  if (!isFloat(lossMeta.type) || lossMeta.dims.some((d) => d !== 1))
    throw new AutodiffError(
      `the loss "${loss}" must be a float scalar, got ${lossMeta.type}[${lossMeta.dims}]`,
      {
        hint: 'Reduce the loss to one number (ReduceMean / SoftmaxCrossEntropyLoss with reduction mean)',
      },
    );
  const nodes = [...g.nodeList()];

  // Values that depend on a parameter through float tensors.
  const live = new Set(params.filter((p) => isFloat(table.get(p).type)));
  for (const node of nodes) {
    if (!node.inputs.some((i) => live.has(i))) continue;
    for (const out of node.outputs) if (out !== '' && isFloat(table.get(out).type)) live.add(out);
  }
  if (!live.has(loss)) throw new AutodiffError(`the loss "${loss}" does not depend on any parameter`);

  // Values the loss depends on.
  const needed = new Set([loss]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (node === undefined || !node.outputs.some((o) => needed.has(o))) continue;
    for (const inp of node.inputs) if (live.has(inp)) needed.add(inp);
  }

  const contributions = new Map<string, string[]>();
  const total = new Map<string, string>();
  const gradOf = (value: string): string | undefined => {
    const done = total.get(value);
    if (done !== undefined) return done;
    const parts = contributions.get(value);
    if (parts === undefined) return undefined;
    const sum = parts.length === 1 ? (parts[0] as string) : e.one('Sum', parts);
    total.set(value, sum);
    return sum;
  };
  const seed =
    options.seed ??
    (lossMeta.dims.length === 0
      ? e.scalar(1, lossMeta.type)
      : e.one('Expand', [e.scalar(1, lossMeta.type), e.shapeOf(loss)]));
  contributions.set(loss, [seed]);

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (node === undefined || !node.outputs.some((o) => contributions.has(o))) continue;
    const unit = fusedUnitOf(g, node.outputs[0] as string);
    if (unit !== undefined) {
      // A fused unit: its closed-form backward goes straight to its input; its inner nodes get no gradient.
      const dy = gradOf(node.outputs[0] as string);
      if (dy === undefined || !needed.has(unit.input)) continue;
      const dx = geluBackward(e, unit.input, dy);
      const list = contributions.get(unit.input);
      if (list === undefined) contributions.set(unit.input, [dx]);
      else list.push(dx);
      continue;
    }
    const needs = node.inputs.map((inp) => inp !== '' && needed.has(inp));
    if (!needs.some(Boolean)) continue;
    const dy = node.outputs.map((o) => gradOf(o));
    const grads = ruleFor(node)(e, node, dy, needs);
    node.inputs.forEach((inp, k) => {
      const grad = grads[k];
      if (!needs[k] || grad === undefined) return;
      const list = contributions.get(inp);
      if (list === undefined) contributions.set(inp, [grad]);
      else list.push(grad);
    });
  }

  const result = new Map<string, string>();
  for (const p of params) result.set(p, gradOf(p) ?? e.zerosLike(p));
  return result;
}
