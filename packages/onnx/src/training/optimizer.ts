import type { GraphBuilder } from '../graph.js';

/** torch.optim.AdamW / TrainingArguments defaults (adam_beta1, adam_beta2, adam_epsilon). */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-8;
/** TrainingArguments.max_grad_norm. */
export const MAX_GRAD_NORM = 1.0;
/** torch.nn.utils.clip_grad_norm_: `clip_coef = max_norm / (total_norm + 1e-6)`. */
export const CLIP_EPSILON = 1e-6;

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay of the parameters flagged `decay`. */
  weightDecay: number;
  /** Global L2-norm clipping threshold; 0 or Infinity turns clipping off (the norm is still reported). */
  maxGradNorm: number;
}

/** One parameter's slots: value names in the optimizer graph. */
export interface OptimizerSlot {
  param: string;
  grad: string;
  expAvg: string;
  expAvgSq: string;
  /** In the weight-decay group (the Trainer excludes biases and LayerNorm weights). */
  decay: boolean;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** Names of the per-step scalar inputs the optimizer graph reads (float32, shape []). */
export const OPTIMIZER_INPUTS = {
  /** `lr / (1 − β1^t)` */
  stepSize: 'adamw_step_size',
  /** `sqrt(1 − β2^t)` */
  biasCorrection2Sqrt: 'adamw_bias_correction2_sqrt',
  /** `1 − lr · weight_decay` */
  decayFactor: 'adamw_decay_factor',
} as const;

/** The scalars of optimizer step `t` (1-based) at learning rate `lr`, computed in float64 as torch does in Python. */
export function adamWScalars(config: AdamWConfig, lr: number, t: number): Record<string, number> {
  return {
    [OPTIMIZER_INPUTS.stepSize]: lr / (1 - config.beta1 ** t),
    [OPTIMIZER_INPUTS.biasCorrection2Sqrt]: Math.sqrt(1 - config.beta2 ** t),
    [OPTIMIZER_INPUTS.decayFactor]: 1 - lr * config.weightDecay,
  };
}

/**
 * An optimizer written as graph nodes: `emit` appends its update of every slot (and the global gradient norm) to a
 * graph and declares its scalar inputs; `scalars` gives their values for optimizer step `t` (1-based) at `lr`.
 * The update must wait for the global gradient norm before writing any parameter (see emitClipAndAdamW).
 */
export interface GraphOptimizer {
  emit(g: GraphBuilder, slots: readonly OptimizerSlot[]): OptimizerOutputs;
  scalars(lr: number, t: number): Record<string, number>;
}

/** Clipping + torch AdamW (TrainingSession's default optimizer). */
export function clippedAdamW(config: AdamWConfig): GraphOptimizer {
  return {
    emit: (g, slots) => emitClipAndAdamW(g, slots, config),
    scalars: (lr, t) => adamWScalars(config, lr, t),
  };
}

export interface OptimizerOutputs {
  /** The global L2 norm of the gradients before clipping (a float32 scalar). */
  gradNorm: string;
  params: string[];
  expAvg: string[];
  expAvgSq: string[];
}

/**
 * Appends gradient clipping and one AdamW step to `g`: the clip of torch.nn.utils.clip_grad_norm_ (norm of the
 * per-tensor L2 norms, `coef = min(max_norm / (norm + 1e-6), 1)`), then torch's `_single_tensor_adamw` in the
 * update order of @bcmb/trainer's AdamW: `p *= 1 − lr·wd` (decay group only), `m = β1·m + ((1 − β1)·coef)·g`,
 * `v = β2·v + ((1 − β2)·coef²)·g²`, `p −= stepSize · m / (sqrt(v) / sqrt(1 − β2^t) + eps)`. The clip factor is
 * folded into the moments' scalars rather than multiplied into the gradient first: the same numbers within
 * float32 rounding (measured ≤ 6e-8 from @bcmb/trainer's tfjs clip + AdamW over 5 steps).
 * Declares the scalar inputs of OPTIMIZER_INPUTS.
 */
export function emitClipAndAdamW(
  g: GraphBuilder,
  slots: readonly OptimizerSlot[],
  config: AdamWConfig,
): OptimizerOutputs {
  const stepSize = g.input(OPTIMIZER_INPUTS.stepSize, 'float32', []);
  const bc2 = g.input(OPTIMIZER_INPUTS.biasCorrection2Sqrt, 'float32', []);
  const decayFactor = slots.some((s) => s.decay) ? g.input(OPTIMIZER_INPUTS.decayFactor, 'float32', []) : '';
  const scalar = (v: number) => g.constFloat([v], true);

  const norms = slots.map((s) =>
    g.one('Reshape', [g.one('ReduceL2', [s.grad], { keepdims: 0 }), g.constInt64([1])]),
  );
  const gradNorm = g.one(
    'ReduceL2',
    [norms.length === 1 ? (norms[0] as string) : g.one('Concat', norms, { axis: 0 })],
    {
      keepdims: 0,
    },
  );
  // Without clipping the coefficient is still computed (max_norm = FLT_MAX gives exactly 1): every update then
  // waits for the global norm, i.e. for every gradient, which TrainingSession's in-place updates rely on.
  const clip = Number.isFinite(config.maxGradNorm) && config.maxGradNorm > 0;
  const maxNorm = clip ? config.maxGradNorm : FLOAT32_MAX;
  const coef = g.one('Min', [
    g.one('Div', [scalar(maxNorm), g.one('Add', [gradNorm, scalar(CLIP_EPSILON)])]),
    scalar(1),
  ]);
  // The clip coefficient folds into the moments' scalars: (1 − β1)·coef and (1 − β2)·coef², one pass fewer.
  const mScale = g.one('Mul', [coef, scalar(1 - config.beta1)]);
  const vScale = g.one('Mul', [g.one('Mul', [coef, coef]), scalar(1 - config.beta2)]);
  const out: OptimizerOutputs = { gradNorm, params: [], expAvg: [], expAvgSq: [] };
  for (const s of slots) {
    const m = g.one('Add', [g.one('Mul', [s.expAvg, scalar(config.beta1)]), g.one('Mul', [s.grad, mScale])]);
    const v = g.one('Add', [
      g.one('Mul', [s.expAvgSq, scalar(config.beta2)]),
      g.one('Mul', [g.one('Mul', [s.grad, s.grad]), vScale]),
    ]);
    const denom = g.one('Add', [g.one('Div', [g.one('Sqrt', [v]), bc2]), scalar(config.eps)]);
    const change = g.one('Div', [g.one('Mul', [m, stepSize]), denom]);
    const decayed = s.decay ? g.one('Mul', [s.param, decayFactor]) : s.param;
    out.params.push(g.one('Sub', [decayed, change]));
    out.expAvg.push(m);
    out.expAvgSq.push(v);
  }
  return out;
}
