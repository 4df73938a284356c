import { type Activation, type Init, WeightMismatchError } from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';

/** Supplies a weight by its `transformers` name in PyTorch layout, or undefined when the checkpoint lacks it. */
export interface WeightSource {
  /** `shape` is the shape the model expects, so a source may drop a mismatched weight (`ignoreMismatchedSizes`). */
  take(name: string, shape: readonly number[]): { shape: number[]; data: Float32Array } | undefined;
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
    const loaded = this.source?.take(name, hfShape);
    const value = tf.tidy(() => {
      let tensor: tf.Tensor;
      if (loaded) {
        if (loaded.shape.join(',') !== hfShape.join(',')) {
          throw new WeightMismatchError(
            `weight ${name} has shape [${loaded.shape}] in the checkpoint but the config implies [${hfShape}]`,
            {
              hint: 'Check that config.json belongs to these weights. To start from a checkpoint with another label set, pass ignoreMismatchedSizes (bcmb finetune --ignore-mismatched-sizes): mismatched weights are then initialised, as transformers does',
            },
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

  /** The variables whose names start with `prefix` (one layer's weights: `prefix` ends with a dot). */
  under(prefix: string): tf.Variable[] {
    return [...this.variables].filter(([name]) => name.startsWith(prefix)).map(([, variable]) => variable);
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

/** x·W (+ b) as one fused GEMM, differentiated with plain products (see `plainProductGrads`). */
export function linear(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor | null): tf.Tensor2D {
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor2D;
    const b = args[1] as tf.Tensor2D;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([a, b]);
    const value = (
      bias === null ? tf.matMul(a, b) : tf.fused.matMul({ a, b, bias: args[2] as tf.Tensor })
    ) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const grads = plainProductGrads(saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D, dy as tf.Tensor2D);
      return bias === null ? grads : [...grads, tf.reshape(tf.sum(dy as tf.Tensor, 0), bias.shape)];
    };
    return { value, gradFunc };
  });
  return (bias === null ? product(x, kernel) : product(x, kernel, bias)) as tf.Tensor2D;
}

/**
 * dA = dY·Bᵀ and dB = Aᵀ·dY of Y = A·B, with the transposes made explicit. tf.matMul's own gradient multiplies
 * with transposed operands, which the wasm backend runs in a scalar loop an order of magnitude slower than its
 * GEMM; a transpose costs one pass over the operand.
 */
function plainProductGrads(a: tf.Tensor2D, b: tf.Tensor2D, dy: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  return [tf.matMul(dy, tf.transpose(b)), tf.matMul(tf.transpose(a), dy)];
}

/** (x - mean) / sqrt(var + eps) over the last axis: the normalised input. */
function normalise(x: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
}

/**
 * LayerNorm with its closed-form gradient: dx = r·(g - mean(g) - x̂·mean(g·x̂)) with g = dy·w, x̂ the normalised
 * input and r = 1/sqrt(var + eps); dw = Σ dy·x̂, db = Σ dy. The backward pass keeps only x (autodiff through the
 * composite keeps several intermediates of x's size, and their gradients, per norm).
 */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor1D, eps: number, bias?: tf.Tensor): tf.Tensor {
  const norm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, w] = args as [tf.Tensor, tf.Tensor1D];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([input, w]);
    const value = tf.tidy(() => {
      const scaled = tf.mul(normalise(input, eps), w);
      return bias === undefined ? scaled : tf.add(scaled, args[2] as tf.Tensor);
    });
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], [savedInput, savedWeight]: tf.Tensor[]) =>
      tf.tidy(() => {
        const grad = dy as tf.Tensor;
        const size = savedWeight!.shape[0]!;
        const { mean, variance } = tf.moments(savedInput!, -1, true);
        const rstd = tf.rsqrt(tf.add(variance, eps));
        const normed = tf.mul(tf.sub(savedInput!, mean), rstd);
        const g = tf.mul(grad, savedWeight!);
        const centred = tf.sub(g, tf.mean(g, -1, true));
        const dx = tf.mul(rstd, tf.sub(centred, tf.mul(normed, tf.mean(tf.mul(g, normed), -1, true))));
        const rows = (t: tf.Tensor) => tf.reshape(t, [-1, size]);
        const dWeight = tf.sum(tf.mul(rows(grad), rows(normed)), 0);
        return bias === undefined ? [dx, dWeight] : [dx, dWeight, tf.sum(rows(grad), 0)];
      });
    return { value, gradFunc };
  });
  return bias === undefined ? norm(x, weight) : norm(x, weight, bias);
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

const SQRT_HALF = Math.SQRT1_2;
// GELU tanh approximation constant sqrt(2/pi) (transformers NewGELUActivation / gelu_pytorch_tanh).
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;

// 1/sqrt(2π), the standard normal density's constant (GELU's derivative).
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)), with its derivative Φ(x) + x·φ(x) as its gradient: the backward
 * pass keeps only the input instead of every intermediate of the composite (the MLP's widest tensors).
 */
function geluErf(x: tf.Tensor): tf.Tensor {
  const gelu = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    const value = tf.tidy(() => tf.mul(tf.mul(input, 0.5), tf.add(tf.erf(tf.mul(input, SQRT_HALF)), 1)));
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], [saved]: tf.Tensor[]) =>
      tf.tidy(() => {
        const cdf = tf.mul(tf.add(tf.erf(tf.mul(saved!, SQRT_HALF)), 1), 0.5);
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(saved!), -0.5)), INV_SQRT_2PI);
        return tf.mul(dy as tf.Tensor, tf.add(cdf, tf.mul(saved!, pdf)));
      });
    return { value, gradFunc };
  });
  return gelu(x);
}

/** `transformers.activations.ACT2FN[name]` for the supported names. */
export function activate(x: tf.Tensor, name: Activation): tf.Tensor {
  return tf.tidy(() => {
    switch (name) {
      case 'gelu':
        return geluErf(x);
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

/** Seeds handed out inside `withDropoutSeeds`: `<base>/<n>` for the n-th dropout draw. */
let seedScope: { base: number | string; next: number } | null = null;

/**
 * Runs `run` with its dropout masks derived from `base` in call order, so running the same code again with the same
 * base (gradient checkpointing recomputes a layer during the backward pass) draws exactly the same masks.
 */
export function withDropoutSeeds<T>(base: number | string, run: () => T): T {
  const previous = seedScope;
  seedScope = { base, next: 0 };
  try {
    return run();
  } finally {
    seedScope = previous;
  }
}

/** The seed of the next dropout mask: from the enclosing `withDropoutSeeds`, else drawn from Math.random. */
export function dropoutSeed(): number | string {
  return seedScope ? `${seedScope.base}/${seedScope.next++}` : Math.floor(Math.random() * 2 ** 31);
}

/** nn.Dropout's kept-and-rescaled factor: 1/(1-rate) with probability 1-rate, else 0 (tf.dropout's draw). */
export function dropoutScale(shape: number[], rate: number, seed: number | string): tf.Tensor {
  return tf.tidy(() => {
    const keep = 1 - rate;
    return tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep)), keep);
  });
}

/** nn.Dropout: identity unless training with a positive rate. */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean): T {
  return training && rate > 0 ? (tf.dropout(x, rate, undefined, dropoutSeed()) as T) : x;
}
