import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from './config.js';
import { WeightMismatchError } from './errors.js';

/**
 * How a parameter is drawn when the checkpoint does not provide it, following each family's `_init_weights`.
 * `truncated` cuts at ±2σ (tf.truncatedNormal), which is ModernBERT's `initializer_cutoff_factor` 2.0.
 */
export type Init =
  | { kind: 'normal'; std: number; zeroRow?: number | null }
  | { kind: 'truncated'; std: number }
  | { kind: 'ones' }
  | { kind: 'zeros' };

/** Supplies a weight by its `transformers` name in PyTorch layout, or undefined when the checkpoint lacks it. */
export interface WeightSource {
  take(name: string): { shape: number[]; data: Float32Array } | undefined;
}

/** Process-wide, so two copies of this module (ESM and CJS builds) never hand out the same variable scope. */
const SCOPE_COUNTER = Symbol.for('@bcmb/modeling/parameter-sets');

function nextScope(): string {
  const registry = globalThis as unknown as Record<symbol, number | undefined>;
  const id = registry[SCOPE_COUNTER] ?? 0;
  registry[SCOPE_COUNTER] = id + 1;
  return `m${id}`;
}

/**
 * The trainable parameters of one model, keyed by their `transformers` weight name. Linear weights are held
 * transposed, as [in, out] kernels (PyTorch stores [out, in]): a plain A·W product is the fast GEMM on every
 * tfjs backend. `stateDict()` converts back.
 */
export class ParameterSet {
  readonly variables = new Map<string, tf.Variable>();
  /** Names held as [in, out] kernels. */
  readonly transposed = new Set<string>();
  /** Names the checkpoint did not provide, which were initialised. */
  readonly initialized: string[] = [];

  /** Variable names are `m<id>/<transformers name>`: tfjs wants them unique per process, several models may coexist. */
  private readonly scope = nextScope();

  constructor(private readonly source?: WeightSource) {}

  create(name: string, hfShape: number[], init: Init, options: { transpose?: boolean } = {}): tf.Variable {
    if (this.variables.has(name)) throw new Error(`parameter ${name} created twice`);
    const transpose = options.transpose === true;
    const loaded = this.source?.take(name);
    const value = tf.tidy(() => {
      let tensor: tf.Tensor;
      if (loaded) {
        if (loaded.shape.join(',') !== hfShape.join(',')) {
          throw new WeightMismatchError(
            `weight ${name} has shape [${loaded.shape}] in the checkpoint but the config implies [${hfShape}]`,
            { hint: 'Check that config.json belongs to these weights' },
          );
        }
        tensor = tf.tensor(loaded.data, hfShape, 'float32');
      } else {
        this.initialized.push(name);
        tensor = initialValue(hfShape, init);
      }
      return transpose ? tf.transpose(tensor) : tensor;
    });
    const variable = tf.variable(value, true, `${this.scope}/${name}`);
    value.dispose();
    if (transpose) this.transposed.add(name);
    this.variables.set(name, variable);
    return variable;
  }

  /** Weights by `transformers` name in PyTorch layout (kernels transposed back), as new tensors. */
  stateDict(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, variable] of this.variables) {
      out.set(name, this.transposed.has(name) ? tf.transpose(variable) : tf.clone(variable));
    }
    return out;
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
  }
}

function initialValue(shape: number[], init: Init): tf.Tensor {
  switch (init.kind) {
    case 'ones':
      return tf.ones(shape);
    case 'zeros':
      return tf.zeros(shape);
    case 'truncated':
      return tf.truncatedNormal(shape, 0, init.std);
    case 'normal': {
      const drawn = tf.randomNormal(shape, 0, init.std);
      const row = init.zeroRow;
      if (row === null || row === undefined || shape.length !== 2) return drawn;
      // nn.Embedding(padding_idx=…) initialises the padding row to zeros.
      const keep = tf.reshape(tf.oneHot(tf.tensor1d([row], 'int32'), shape[0]!), [shape[0]!, 1]);
      return tf.mul(drawn, tf.sub(1, keep));
    }
  }
}

/** nn.Linear with the weight held as an [in, out] kernel; applies to [N, in] rows. */
export class Linear {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    params: ParameterSet,
    readonly name: string,
    inFeatures: number,
    outFeatures: number,
    options: { bias: boolean; init: Init; biasInit?: Init },
  ) {
    this.kernel = params.create(`${name}.weight`, [outFeatures, inFeatures], options.init, {
      transpose: true,
    });
    this.bias = options.bias
      ? params.create(`${name}.bias`, [outFeatures], options.biasInit ?? { kind: 'zeros' })
      : null;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return linear(x, this.kernel as tf.Tensor2D, this.bias);
  }
}

/** x·W (+ b) as one fused GEMM. */
export function linear(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor | null): tf.Tensor2D {
  return (bias === null ? tf.matMul(x, kernel) : tf.fused.matMul({ a: x, b: kernel, bias })) as tf.Tensor2D;
}

/** nn.LayerNorm over the last axis: biased variance, (x - mean) / sqrt(var + eps) · w + b. */
export class LayerNorm {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    params: ParameterSet,
    name: string,
    size: number,
    readonly eps: number,
    bias: boolean,
  ) {
    this.weight = params.create(`${name}.weight`, [size], { kind: 'ones' });
    this.bias = bias ? params.create(`${name}.bias`, [size], { kind: 'zeros' }) : null;
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      const scaled = tf.mul(normed, this.weight);
      return (this.bias === null ? scaled : tf.add(scaled, this.bias)) as T;
    });
  }
}

/**
 * nn.Embedding lookup. The gradient is scattered back row by row (scatterND sums repeated ids), and the
 * `paddingIdx` row gets none, as PyTorch's `padding_idx` does; its forward value is still used.
 */
export function embeddingLookup(
  table: tf.Tensor2D,
  ids: tf.Tensor1D,
  paddingIdx: number | null,
): tf.Tensor2D {
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [weights, indices, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    // The ids are saved so they outlive the forward pass's tidy scope until backprop.
    save([indices]);
    const value = tf.gather(weights, indices) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const savedIds = saved[0] as tf.Tensor1D;
      const dyRows = dy as tf.Tensor2D;
      const rows =
        paddingIdx === null
          ? dyRows
          : tf.mul(dyRows, tf.expandDims(tf.cast(tf.notEqual(savedIds, paddingIdx), 'float32'), 1));
      return [tf.scatterND(tf.expandDims(savedIds, 1), rows, weights.shape), tf.zerosLike(savedIds)];
    };
    return { value, gradFunc };
  });
  return lookup(table, ids) as tf.Tensor2D;
}

export class Embedding {
  readonly weight: tf.Variable;

  constructor(
    params: ParameterSet,
    name: string,
    count: number,
    size: number,
    init: Init,
    readonly paddingIdx: number | null,
  ) {
    this.weight = params.create(`${name}.weight`, [count, size], init);
  }

  lookup(ids: tf.Tensor1D): tf.Tensor2D {
    return embeddingLookup(this.weight as tf.Tensor2D, ids, this.paddingIdx);
  }
}

const SQRT_HALF = Math.SQRT1_2;
// GELU tanh approximation constant sqrt(2/pi) (transformers NewGELUActivation / gelu_pytorch_tanh).
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;

/** `transformers.activations.ACT2FN[name]` for the supported names. */
export function activate(x: tf.Tensor, name: Activation): tf.Tensor {
  return tf.tidy(() => {
    switch (name) {
      case 'gelu':
        return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1));
      case 'gelu_new':
      case 'gelu_pytorch_tanh': {
        const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_TANH_CUBIC)), SQRT_2_OVER_PI);
        return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
      }
      case 'relu':
        return tf.relu(x);
      case 'silu':
      case 'swish':
        return tf.mul(x, tf.sigmoid(x));
      case 'tanh':
        return tf.tanh(x);
    }
  });
}

/** nn.Dropout: identity unless training with a positive rate. */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean): T {
  return training && rate > 0 ? (tf.dropout(x, rate) as T) : x;
}
