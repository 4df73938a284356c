import type { GraphBuilder } from '../graph.js';
import type { GraphOptimizer, OptimizerOutputs, OptimizerSlot } from './optimizer.js';

/** StableAdamW's settings (ModernBERT `decoupled_stableadamw`, torch-optimi with `decouple_lr=True`). */
export interface StableAdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decay of the parameters flagged `decay` (the others: 0), scaled by `lr / maxLr` at each step. */
  weightDecay: number;
  /** The schedule's peak LR (optimi's `max_lr`). */
  maxLr: number;
}

/** Names of the per-step scalar inputs of the StableAdamW graph (float32, shape []). */
export const STABLE_ADAMW_INPUTS = {
  /** `1 − debias(β1, t)` */
  beta1Comp: 'stableadamw_beta1_comp',
  /** `debias(β2, t)` */
  beta2Hat: 'stableadamw_beta2_hat',
  /** `1 − debias(β2, t)` */
  beta2Comp: 'stableadamw_beta2_comp',
  lr: 'stableadamw_lr',
} as const;

/** optimi's `debias_beta(beta, step) = (beta**step - beta) / (beta**step - 1)`. */
export function debiasBeta(beta: number, step: number): number {
  return (beta ** step - beta) / (beta ** step - 1);
}

/**
 * StableAdamW as graph nodes (the same update as `@bcmb/pretraining`'s JS `StableAdamW`): debiased betas folded
 * into the moments (`m += (1 − β̂1)(g − m)`, `v = β̂2·v + (1 − β̂2)·g²`), a per-tensor step `lr / max(1, rms)`
 * where `rms = sqrt(mean(g² / max(v, eps²)))`, weight decay `p *= 1 − step·wd/maxLr`, then
 * `p −= step · m / (sqrt(v) + eps)`. No gradient clipping (the per-tensor RMS clip replaces it); the global
 * gradient norm is still computed and reported.
 */
export function stableAdamW(config: StableAdamWConfig): GraphOptimizer {
  return {
    scalars(lr: number, t: number): Record<string, number> {
      const beta2Hat = debiasBeta(config.beta2, t);
      return {
        [STABLE_ADAMW_INPUTS.beta1Comp]: 1 - debiasBeta(config.beta1, t),
        [STABLE_ADAMW_INPUTS.beta2Hat]: beta2Hat,
        [STABLE_ADAMW_INPUTS.beta2Comp]: 1 - beta2Hat,
        [STABLE_ADAMW_INPUTS.lr]: lr,
      };
    },
    emit: (g, slots) => emitStableAdamW(g, slots, config),
  };
}

function emitStableAdamW(
  g: GraphBuilder,
  slots: readonly OptimizerSlot[],
  config: StableAdamWConfig,
): OptimizerOutputs {
  const beta1Comp = g.input(STABLE_ADAMW_INPUTS.beta1Comp, 'float32', []);
  const beta2Hat = g.input(STABLE_ADAMW_INPUTS.beta2Hat, 'float32', []);
  const beta2Comp = g.input(STABLE_ADAMW_INPUTS.beta2Comp, 'float32', []);
  const lrInput = g.input(STABLE_ADAMW_INPUTS.lr, 'float32', []);
  const scalar = (v: number) => g.constFloat([v], true);

  const norms = slots.map((s) =>
    g.one('Reshape', [g.one('ReduceL2', [s.grad], { keepdims: 0 }), g.constInt64([1])]),
  );
  const gradNorm = g.one(
    'ReduceL2',
    [norms.length === 1 ? (norms[0] as string) : g.one('Concat', norms, { axis: 0 })],
    { keepdims: 0 },
  );
  // max(lr, 0·norm) is lr, but makes every update wait for the global norm, i.e. for every gradient: the
  // in-place updates of TrainingSession rely on parameters being overwritten only after the backward read them.
  const lr = g.one('Max', [lrInput, g.one('Mul', [gradNorm, scalar(0)])]);
  const epsSq = scalar(config.eps * config.eps);
  const out: OptimizerOutputs = { gradNorm, params: [], expAvg: [], expAvgSq: [] };
  for (const s of slots) {
    const m = g.one('Add', [s.expAvg, g.one('Mul', [g.one('Sub', [s.grad, s.expAvg]), beta1Comp])]);
    const gradSq = g.one('Mul', [s.grad, s.grad]);
    const v = g.one('Add', [g.one('Mul', [s.expAvgSq, beta2Hat]), g.one('Mul', [gradSq, beta2Comp])]);
    const rms = g.one('Sqrt', [
      g.one('ReduceMean', [g.one('Div', [gradSq, g.one('Max', [v, epsSq])])], { keepdims: 0 }),
    ]);
    const stepLr = g.one('Div', [lr, g.one('Max', [rms, scalar(1)])]);
    const change = g.one('Div', [
      g.one('Mul', [m, stepLr]),
      g.one('Add', [g.one('Sqrt', [v]), scalar(config.eps)]),
    ]);
    const decayed =
      s.decay && config.weightDecay !== 0
        ? g.one('Mul', [
            s.param,
            g.one('Sub', [scalar(1), g.one('Mul', [stepLr, scalar(config.weightDecay / config.maxLr)])]),
          ])
        : s.param;
    out.params.push(g.one('Sub', [decayed, change]));
    out.expAvg.push(m);
    out.expAvgSq.push(v);
  }
  return out;
}
