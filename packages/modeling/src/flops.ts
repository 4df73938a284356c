import * as tf from '@tensorflow/tfjs-core';

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
