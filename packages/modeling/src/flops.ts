import * as tf from '@tensorflow/tfjs-core';
import type { EncoderConfig } from './config.js';

/** Keys a query sees summed over the sequence: L² for global attention, the clipped band for a sliding window. */
function attendedPairs(length: number, halfWindow: number | null): number {
  if (halfWindow === null) return length * length;
  let pairs = 0;
  for (let i = 0; i < length; i++)
    pairs += Math.min(length - 1, i + halfWindow) - Math.max(0, i - halfWindow) + 1;
  return pairs;
}

/**
 * Multiply-add FLOPs (2 per MAC) of the encoder's matrix products for one forward pass over `batch` sequences
 * of `length` tokens: the projections and MLP of every layer plus QKᵀ and attention·V over the keys each query
 * may see (sliding-window layers count their band only). Embeddings, norms, softmax and activations are not
 * counted; neither are task heads.
 */
export function encoderForwardFlops(config: EncoderConfig, batch: number, length: number): number {
  const tokens = batch * length;
  const h = config.hiddenSize;
  const i = config.intermediateSize;
  let total = 0;
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const projections =
      config.modelType === 'bert'
        ? 4 * h * h + 2 * h * i // q, k, v, attention output; intermediate and output
        : 4 * h * h + 3 * h * i; // Wqkv, Wo; GeGLU Wi (2I) and Wo
    const sliding = config.modelType === 'modernbert' && config.layerTypes[layer] === 'sliding_attention';
    const halfWindow = sliding ? Math.floor((config as { localAttention: number }).localAttention / 2) : null;
    total += 2 * tokens * projections + 2 * 2 * batch * attendedPairs(length, halfWindow) * h;
  }
  return total;
}

/** Mean seconds of `run` over `iterations` calls. */
export function secondsPerCall(run: () => void, iterations: number): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run();
  return (performance.now() - start) / 1000 / iterations;
}

/**
 * GFLOP/s of the active backend's plain GEMM `[rows, inner] · [inner, cols]`, after one warm-up call: the yardstick
 * the benches compare a model's own FLOP rate against.
 */
export function gemmGflops(rows: number, inner: number, cols: number, iterations: number): number {
  const a = tf.randomUniform([rows, inner], -1, 1);
  const b = tf.randomUniform([inner, cols], -1, 1);
  // Not inside tf.tidy: tidy walks its callback's result, and a multi-million-element Float32Array takes seconds to walk.
  const once = () => {
    const product = tf.matMul(a, b);
    product.dataSync();
    product.dispose();
  };
  once();
  const time = secondsPerCall(once, iterations);
  tf.dispose([a, b]);
  return (2 * rows * inner * cols) / time / 1e9;
}
