/**
 * StableAdamW as ModernBERT builds it for `name: decoupled_stableadamw` (src/optimizer.py on torch-optimi,
 * `decouple_lr=True`): AdamW with debiased betas folded into the moments, per-tensor update clipping by the RMS of
 * g²/v (AdaFactor-style), and weight decay scaled by `lr / max_lr`. Engine-agnostic: it updates plain
 * Float32Array parameters in place from Float32Array gradients.
 */

// ModernBERT research YAMLs: betas [0.9, 0.98], eps 1.0e-06.
export const STABLE_ADAMW_BETAS: readonly [number, number] = [0.9, 0.98];
export const STABLE_ADAMW_EPS = 1e-6;

export interface StableAdamWOptions {
  /** Peak LR; decoupled weight decay is scaled by `lr / maxLr` (optimi defaults `max_lr` to `lr`). */
  maxLr: number;
  betas?: readonly [number, number];
  eps?: number;
}

export interface StableAdamWState {
  /** Steps taken (torch-optimi counts from 1 at the first step). */
  step: number;
  expAvg: Map<string, Float32Array>;
  expAvgSq: Map<string, Float32Array>;
}

export interface StableAdamWStepReport {
  /** The per-tensor RMS of g² / max(v, eps²) that clipped the step. */
  rms: Map<string, number>;
  /** L2 norm of the raw gradients over all parameters. */
  gradNorm: number;
}

/** optimi/utils.py `debias_beta(beta, step) = (beta**step - beta) / (beta**step - 1)`. */
export function debiasBeta(beta: number, step: number): number {
  return (beta ** step - beta) / (beta ** step - 1);
}

export class StableAdamW {
  private readonly weightDecay: Map<string, number>;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly maxLr: number;
  private state: StableAdamWState;

  /** `weightDecay` maps each parameter name to its group's decay (0 for the no-decay group). */
  constructor(weightDecay: Map<string, number>, options: StableAdamWOptions) {
    this.weightDecay = weightDecay;
    [this.beta1, this.beta2] = options.betas ?? STABLE_ADAMW_BETAS;
    this.eps = options.eps ?? STABLE_ADAMW_EPS;
    this.maxLr = options.maxLr;
    this.state = { step: 0, expAvg: new Map(), expAvgSq: new Map() };
  }

  get step(): number {
    return this.state.step;
  }

  /** One optimizer step at learning rate `lr` over every parameter that has a gradient. */
  update(
    params: Map<string, Float32Array>,
    grads: Map<string, Float32Array>,
    lr: number,
  ): StableAdamWStepReport {
    const step = this.state.step + 1;
    const beta1Comp = 1 - debiasBeta(this.beta1, step);
    const beta2Hat = debiasBeta(this.beta2, step);
    const epsSq = this.eps * this.eps;
    const rms = new Map<string, number>();
    let gradSq = 0;
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (g === undefined) continue;
      let m = this.state.expAvg.get(name);
      let v = this.state.expAvgSq.get(name);
      if (m === undefined || v === undefined) {
        m = new Float32Array(p.length);
        v = new Float32Array(p.length);
        this.state.expAvg.set(name, m);
        this.state.expAvgSq.set(name, v);
      }
      let ratio = 0;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] as number;
        gradSq += gi * gi;
        m[i] = (m[i] as number) + beta1Comp * (gi - (m[i] as number));
        v[i] = (v[i] as number) * beta2Hat + (1 - beta2Hat) * gi * gi;
        ratio += (gi * gi) / Math.max(v[i] as number, epsSq);
      }
      const r = Math.sqrt(ratio / p.length);
      rms.set(name, r);
      const negLr = -lr / Math.max(1, r);
      const wd = this.weightDecay.get(name) ?? 0;
      const decay = wd === 0 ? 1 : 1 + (negLr / this.maxLr) * wd;
      for (let i = 0; i < p.length; i++) {
        const decayed = wd === 0 ? (p[i] as number) : Math.fround((p[i] as number) * decay);
        p[i] = decayed + (negLr * (m[i] as number)) / (Math.sqrt(v[i] as number) + this.eps);
      }
    }
    this.state.step = step;
    return { rms, gradNorm: Math.sqrt(gradSq) };
  }

  /** Moments and step, for checkpoints (copies). */
  stateDict(): StableAdamWState {
    const copy = (source: Map<string, Float32Array>) => new Map([...source].map(([k, v]) => [k, v.slice()]));
    return { step: this.state.step, expAvg: copy(this.state.expAvg), expAvgSq: copy(this.state.expAvgSq) };
  }

  loadStateDict(state: StableAdamWState): void {
    this.state = { step: state.step, expAvg: new Map(state.expAvg), expAvgSq: new Map(state.expAvgSq) };
  }
}

/**
 * ModernBERT main.py `param_groups_weight_decay` with `filter_bias_norm_wd: true`: tensors with ndim <= 1 or a
 * name ending in `.bias` get no decay; every other tensor gets `weightDecay`.
 */
export function stableAdamWDecayGroups(
  shapes: Map<string, readonly number[]>,
  weightDecay: number,
  filterBiasNormWd = true,
): Map<string, number> {
  const groups = new Map<string, number>();
  for (const [name, shape] of shapes) {
    const noDecay = filterBiasNormWd && (shape.length <= 1 || name.endsWith('.bias'));
    groups.set(name, noDecay ? 0 : weightDecay);
  }
  return groups;
}
