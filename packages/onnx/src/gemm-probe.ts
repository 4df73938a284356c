import { availableParallelism } from 'node:os';
import { GraphBuilder, serializeModel } from './graph.js';
import { loadOnnxRuntime } from './runtime.js';

/**
 * GFLOP/s of ONNX Runtime's float32 MatMul `[rows, inner] · [inner, cols]` on the CPU with `threads` intra-op
 * threads, after one warm-up call: the yardstick a model's own FLOP rate is compared with.
 */
export async function ortGemmGflops(
  rows: number,
  inner: number,
  cols: number,
  { threads = availableParallelism(), iterations = 5 } = {},
): Promise<number> {
  const ort = await loadOnnxRuntime();
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', [rows, inner]);
  const w = g.input('w', 'float32', [inner, cols]);
  g.output(g.one('MatMul', [x, w]), 'y', 'float32', [rows, cols]);
  const session = await ort.InferenceSession.create(serializeModel(g.build('gemm', 'GEMM probe')), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const feeds = {
    x: new ort.Tensor('float32', new Float32Array(rows * inner).fill(0.5), [rows, inner]),
    w: new ort.Tensor('float32', new Float32Array(inner * cols).fill(0.25), [inner, cols]),
  };
  const fetches = { y: new ort.Tensor('float32', new Float32Array(rows * cols), [rows, cols]) };
  await session.run(feeds, fetches);
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await session.run(feeds, fetches);
  const seconds = (performance.now() - start) / 1000 / iterations;
  await session.release();
  return (2 * rows * inner * cols) / seconds / 1e9;
}
