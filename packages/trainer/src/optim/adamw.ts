import * as tf from '@tensorflow/tfjs-core';

/** torch.optim.AdamW / TrainingArguments defaults (adam_beta1, adam_beta2, adam_epsilon). */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-8;

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** The moments of one parameter, as plain arrays (what a checkpoint stores). */
export interface AdamWMoments {
  expAvg: Float32Array;
  expAvgSq: Float32Array;
}

export interface AdamWState {
  /** Optimizer steps taken so far (torch keeps one per parameter; they are all equal here). */
  step: number;
  moments: Map<string, AdamWMoments>;
}

interface Slot {
  variable: tf.Variable;
  weightDecay: number;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
}

/**
 * AdamW with the update order of torch 1.13+'s `_single_tensor_adamw`: decoupled decay `p *= 1 - lr·wd`, then the
 * moment updates, then `p -= (lr / (1 - β1^t)) · m / (sqrt(v) / sqrt(1 - β2^t) + eps)`.
 */
export class AdamW {
  private readonly slots = new Map<string, Slot>();
  private steps = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;

  /** `weightDecay` maps each parameter name to its group's decay (see `parameterGroups`). */
  constructor(
    parameters: Map<string, tf.Variable>,
    weightDecay: Map<string, number>,
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? ADAM_BETA1;
    this.beta2 = options.beta2 ?? ADAM_BETA2;
    this.eps = options.eps ?? ADAM_EPSILON;
    for (const [name, variable] of parameters) {
      const decay = weightDecay.get(name);
      if (decay === undefined) throw new Error(`AdamW: parameter ${name} has no weight-decay group`);
      this.slots.set(name, {
        variable,
        weightDecay: decay,
        expAvg: zerosVariable(variable),
        expAvgSq: zerosVariable(variable),
      });
    }
  }

  get stepCount(): number {
    return this.steps;
  }

  /** One update of every parameter that has a gradient; `grads` are not disposed. */
  step(grads: Map<string, tf.Tensor>, lr: number): void {
    this.steps += 1;
    const t = this.steps;
    const stepSize = lr / (1 - this.beta1 ** t);
    const biasCorrection2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    for (const [name, grad] of grads) {
      const slot = this.slots.get(name);
      if (!slot) throw new Error(`AdamW: gradient for unknown parameter ${name}`);
      this.update(slot, grad, lr, stepSize, biasCorrection2Sqrt);
    }
  }

  /**
   * One parameter's update, as a chain of small tidies: each keeps at most a couple of parameter-sized temporaries
   * alive, so a 50368 × 768 embedding table fits the wasm heap next to its moments. Same operations, same order.
   */
  private update(
    slot: Slot,
    grad: tf.Tensor,
    lr: number,
    stepSize: number,
    biasCorrection2Sqrt: number,
  ): void {
    assignOwned(
      slot.expAvg,
      tf.tidy(() => tf.add(tf.mul(slot.expAvg, this.beta1), tf.mul(grad, 1 - this.beta1))),
    );
    assignOwned(
      slot.expAvgSq,
      tf.tidy(() => tf.add(tf.mul(slot.expAvgSq, this.beta2), tf.mul(tf.mul(grad, grad), 1 - this.beta2))),
    );
    const denom = tf.tidy(() => tf.add(tf.div(tf.sqrt(slot.expAvgSq), biasCorrection2Sqrt), this.eps));
    const change = tf.tidy(() => tf.div(tf.mul(slot.expAvg, stepSize), denom));
    denom.dispose();
    const decayed = tf.mul(slot.variable, 1 - lr * slot.weightDecay);
    assignOwned(
      slot.variable,
      tf.tidy(() => tf.sub(decayed, change)),
    );
    decayed.dispose();
    change.dispose();
  }

  /** A copy of the step count and moments, for checkpoints. */
  async state(): Promise<AdamWState> {
    const moments = new Map<string, AdamWMoments>();
    for (const [name, slot] of this.slots) {
      moments.set(name, {
        expAvg: (await slot.expAvg.data()) as Float32Array,
        expAvgSq: (await slot.expAvgSq.data()) as Float32Array,
      });
    }
    return { step: this.steps, moments };
  }

  /** Restores what `state()` returned; every parameter must be present with its exact size. */
  loadState(state: AdamWState): void {
    for (const [name, slot] of this.slots) {
      const moments = state.moments.get(name);
      if (!moments) throw new Error(`optimizer state has no moments for ${name}`);
      tf.tidy(() => {
        slot.expAvg.assign(tf.tensor(moments.expAvg, slot.variable.shape, 'float32'));
        slot.expAvgSq.assign(tf.tensor(moments.expAvgSq, slot.variable.shape, 'float32'));
      });
    }
    this.steps = state.step;
  }

  dispose(): void {
    for (const slot of this.slots.values()) {
      slot.expAvg.dispose();
      slot.expAvgSq.dispose();
    }
    this.slots.clear();
  }
}

/** Gives `value` to `variable` and drops the caller's handle on it. */
function assignOwned(variable: tf.Variable, value: tf.Tensor): void {
  variable.assign(value);
  value.dispose();
}

function zerosVariable(like: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(like);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}
