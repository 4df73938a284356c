import type { GraphBuilder } from '../graph.js';

/**
 * Composite operations that the forward emits as several standard nodes and that autodiff differentiates as one
 * unit with a closed-form backward (instead of the chain of the nodes' own rules, which would keep their
 * intermediate values alive for the backward).
 */
export interface FusedUnit {
  kind: 'gelu';
  /** The unit's input. */
  input: string;
}

const registry = new WeakMap<GraphBuilder, Map<string, FusedUnit>>();

/** The unit whose output is `value`, if `value` was emitted by one of the helpers below. */
export function fusedUnitOf(g: GraphBuilder, value: string): FusedUnit | undefined {
  return registry.get(g)?.get(value);
}

function register(g: GraphBuilder, output: string, unit: FusedUnit): void {
  let units = registry.get(g);
  if (units === undefined) {
    units = new Map();
    registry.set(g, units);
  }
  units.set(output, unit);
}

/**
 * Exact (erf) GELU for training graphs, `x · (0.5 + 0.5 · erf(x/√2))`, in standard ONNX nodes only (any
 * execution provider), differentiated as one unit: the backward is recomputed from x
 * (2·GELU'(x) = 1 + erf(t) + 2/√π · t · exp(−t²), t = x/√2), so the forward's intermediates are not kept alive.
 * ORT 1.30's GeluFusion does not match this node order, so the nodes run as written. (ORT's com.microsoft Gelu,
 * which has its own fused rule, is the alternative: fewer passes in isolation; see the train-step bench.)
 */
export function gelu(g: GraphBuilder, x: string): string {
  const erf = g.one('Erf', [g.one('Mul', [x, g.constFloat([Math.SQRT1_2], true)])]);
  const half = g.constFloat([0.5], true);
  const y = g.one('Mul', [x, g.one('Add', [g.one('Mul', [erf, half]), half])]);
  register(g, y, { kind: 'gelu', input: x });
  return y;
}
