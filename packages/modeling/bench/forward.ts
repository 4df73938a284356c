/**
 * Forward-pass throughput of BERT-base and ModernBERT-base shapes (random weights, 8 × 512 tokens) on the wasm
 * backend (BCMB_BACKEND overrides), next to the backend's own GEMM rate measured in the same run. The ratio
 * says how close the model gets to pure matrix-multiply speed, i.e. how much the non-GEMM work costs.
 *   pnpm --filter @bcmb/modeling bench          BENCH_ITERS=3 for more timed passes
 */
import { fileURLToPath } from 'node:url';
import { encoderForwardFlops } from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendName,
  disposeOutput,
  gemmGflops,
  initBackend,
  randomModel,
  secondsPerCall,
} from '../src/index.js';

const BATCH = 8;
const LENGTH = 512;
const ITERS = Number(process.env['BENCH_ITERS'] ?? 2);
const MODELS = ['bert-base', 'modernbert-base'];

/** GFLOP/s of the backend's plain GEMM on the dominant encoders shape: [B·L, 768] · [768, 3072]. */
function gemmRate(): number {
  return gemmGflops(BATCH * LENGTH, 768, 3072, 5);
}

async function benchModel(name: string): Promise<void> {
  const dir = fileURLToPath(new URL(`../configs/${name}/`, import.meta.url));
  const model = await randomModel(dir, { task: 'base' });
  const ids = new Int32Array(BATCH * LENGTH);
  // Token ids in [100, 16000) like the research speed benchmark.
  for (let i = 0; i < ids.length; i++) ids[i] = 100 + Math.floor(Math.random() * 15900);
  const inputIds = tf.tensor2d(ids, [BATCH, LENGTH], 'int32');
  const attentionMask = tf.ones([BATCH, LENGTH], 'int32') as tf.Tensor2D;
  const once = () => {
    const out = model.forward({ inputIds, attentionMask });
    out.lastHiddenState.dataSync();
    disposeOutput(out);
  };
  once();
  // The GEMM rate is taken right before and right after the timed passes: the box is shared, rates drift.
  const gemmBefore = gemmRate();
  const time = secondsPerCall(once, ITERS);
  const gemm = (gemmBefore + gemmRate()) / 2;
  const flops = encoderForwardFlops(model.config, BATCH, LENGTH);
  const achieved = flops / time / 1e9;
  console.log(
    `${name.padEnd(16)} ${time.toFixed(2).padStart(6)} s/batch  ${((BATCH * LENGTH) / time).toFixed(0).padStart(5)} tokens/s  ` +
      `${(flops / 1e9).toFixed(0)} GFLOP/forward  ${achieved.toFixed(1)} GFLOP/s = ${((100 * achieved) / gemm).toFixed(0)}% of GEMM (${gemm.toFixed(1)} GFLOP/s around it)`,
  );
  tf.dispose([inputIds, attentionMask]);
  model.dispose();
}

const backend = await initBackend({
  backend: (process.env['BCMB_BACKEND'] as BackendName | undefined) ?? 'wasm',
});
console.log(
  `backend ${backend.name}: GEMM [${BATCH * LENGTH}x768]·[768x3072] ${gemmRate().toFixed(1)} GFLOP/s; ${BATCH} × ${LENGTH} tokens, ${ITERS} timed passes after 1 warm-up`,
);
for (const name of MODELS) await benchModel(name);
