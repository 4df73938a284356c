/**
 * Training throughput of BERT-base and ModernBERT-base shapes (random weights, sequence classification) on a tfjs
 * backend (wasm by default; BCMB_BACKEND overrides): one full step = forward, backward, clipping and AdamW. Model
 * FLOPs are taken as 3 × the forward's matrix products (backward ≈ 2 × forward) and compared with the backend's
 * own GEMM rate measured in the same run.
 *   pnpm --filter @bcmb/trainer exec tsx bench/train-step.ts     BENCH_ITERS=3 for more timed steps
 * BENCH_LAYERS=n keeps the base widths but only n encoder layers, BENCH_BATCH / BENCH_SEQ change the batch (16 × 128),
 * BENCH_VARIABLE=1 draws lengths ~ Normal(256, 64) in [16, 512] per batch, BENCH_MODELS=a,b picks models (the
 * printed GFLOP count follows what actually ran), BENCH_OPTIMIZER=off times forward, backward and clipping
 * without the AdamW update (labelled so), BENCH_JSON=1 prints one JSON line per model (engines.ts reads it). A
 * step that does not fit the backend's memory (wasm: a 4 GB heap) is reported and ends the run, since a wasm
 * abort leaves the module unusable.
 * On wasm, training forwards are gradient-checkpointed (@bcmb/modeling's default there): the step really computes
 * about 4 forwards' worth of GEMMs, but the rate is reported for the conventional 3 × forward model FLOPs.
 * Memory: the wasm heap size after the steps (it only grows, so it is the peak the step needed) and the process's
 * peak RSS.
 */
import { encoderForwardFlops, parseConfig } from '@bcmb/architectures';
import { type BackendName, createModel, type EncoderModel, gemmGflops, initBackend } from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  clipGradNorm,
  collate,
  disposeBatch,
  lossAndGradients,
  weightDecayByParameter,
} from '../src/index.js';
import { BENCH_SHAPES, type BenchCase, caseLengths, randomIds, seeded } from './shapes.js';

const BATCH = Number(process.env['BENCH_BATCH'] ?? 16);
const SEQ: BenchCase['seq'] =
  process.env['BENCH_VARIABLE'] === '1' ? 'variable' : Number(process.env['BENCH_SEQ'] ?? 128);
const ITERS = Number(process.env['BENCH_ITERS'] ?? 1);
const LAYERS = process.env['BENCH_LAYERS'] === undefined ? undefined : Number(process.env['BENCH_LAYERS']);
const OPTIMIZER = process.env['BENCH_OPTIMIZER'] !== 'off';
const JSON_LINES = process.env['BENCH_JSON'] === '1';

/** GFLOP/s of the backend's plain GEMM on the dominant training shape: [tokens, 768] · [768, 3072]. */
function gemmRate(tokens: number): number {
  return gemmGflops(tokens, 768, 3072, 3);
}

/** Bytes of the wasm backend's heap (it only grows), or undefined on other backends. */
function wasmHeapBytes(): number | undefined {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength;
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

function benchModel(name: string): void {
  const shape = { ...BENCH_SHAPES[name], num_labels: 6, ...(LAYERS ? { num_hidden_layers: LAYERS } : {}) };
  const config = parseConfig(shape, `${name} (bench shape)`);
  const model: EncoderModel = createModel(config, 'sequence-classification');
  const parameters = model.parameters();
  const optimizer = new AdamW(parameters, weightDecayByParameter(parameters.keys(), 0.01));
  const random = seeded(42);
  const batches = caseLengths({ model: name, batch: BATCH, seq: SEQ }, 1 + ITERS).map((lengths) =>
    collate(
      // Token ids in [100, 16000) like the research speed benchmark.
      lengths.map((length, i) => ({ inputIds: randomIds(length, random), label: i % 6 })),
      0,
      'single_label',
    ),
  );
  let backwardHeap: number | undefined;
  // As the Trainer does it: the unclipped gradients are released before the optimizer step.
  const step = (batch: (typeof batches)[number]) => {
    const { grads } = lossAndGradients(model, batch);
    backwardHeap ??= wasmHeapBytes();
    const clipped = clipGradNorm(grads);
    tf.dispose([...grads.values()]);
    if (OPTIMIZER) optimizer.step(clipped.grads, 2e-5);
    tf.dispose([...clipped.grads.values()]);
  };
  const modelBytes = tf.memory().numBytes;
  const [warmUp, ...timed] = batches as [(typeof batches)[number], ...typeof batches];
  step(warmUp);
  const realTokens = timed.reduce((sum, b) => sum + b.tokens, 0);
  const paddedTokens = timed.reduce((sum, b) => sum + b.inputIds.size, 0);
  const gemmBefore = gemmRate(Math.round(realTokens / ITERS));
  const times: number[] = [];
  for (const batch of timed) {
    const start = performance.now();
    step(batch);
    times.push((performance.now() - start) / 1000);
  }
  const gemmAfter = gemmRate(Math.round(realTokens / ITERS));
  const gemm = (gemmBefore + gemmAfter) / 2;
  const seconds = times.reduce((a, b) => a + b, 0);
  const time = seconds / ITERS;
  // The tfjs engine computes every padded position: its FLOPs are those of the padded batches.
  const flops = timed.reduce(
    (sum, b) => sum + 3 * encoderForwardFlops(config, ...(b.inputIds.shape as [number, number])),
    0,
  );
  const achieved = flops / seconds / 1e9;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  if (JSON_LINES) {
    console.log(
      JSON.stringify({
        engine: `tfjs-${tf.getBackend()}`,
        model: name,
        batch: BATCH,
        seq: SEQ,
        steps: ITERS,
        seconds_per_step: time,
        step_seconds: times,
        real_tokens_per_second: realTokens / seconds,
        padded_tokens_per_step: paddedTokens / ITERS,
        real_tokens_per_step: realTokens / ITERS,
        model_gflops_per_second: achieved,
        gemm_gflops: gemm,
        peak_rss_gib: peakRss / 2 ** 30,
        wasm_heap_gib: (wasmHeapBytes() ?? 0) / 2 ** 30,
      }),
    );
  } else {
    console.log(
      `${name.padEnd(16)} ${config.numHiddenLayers} layers ${time.toFixed(2).padStart(7)} s/step${OPTIMIZER ? '' : ' (no AdamW update)'}  ${(realTokens / seconds).toFixed(0).padStart(5)} tokens/s  ` +
        `${(flops / ITERS / 1e9).toFixed(0)} GFLOP/step  ${achieved.toFixed(1)} GFLOP/s = ${((100 * achieved) / gemm).toFixed(0)}% of GEMM ` +
        `(${gemmBefore.toFixed(1)} before, ${gemmAfter.toFixed(1)} after)\n${''.padEnd(17)}memory: weights + AdamW moments ${megabytes(modelBytes)}, ` +
        `wasm heap ${megabytes(backwardHeap)} after the first backward pass, ${megabytes(wasmHeapBytes())} at the end, ` +
        `peak RSS ${megabytes(peakRss)}`,
    );
  }
  for (const b of batches) disposeBatch(b);
  optimizer.dispose();
  model.dispose();
}

const backend = await initBackend({
  backend: (process.env['BCMB_BACKEND'] as BackendName | undefined) ?? 'wasm',
});
if (!JSON_LINES)
  console.log(
    `backend ${backend.name}: training steps of ${BATCH} × ${SEQ} tokens, ${ITERS} timed after 1 warm-up; GEMM [tokens x768]·[768x3072] measured before and after each model's timed steps`,
  );
const models = process.env['BENCH_MODELS']?.split(',') ?? Object.keys(BENCH_SHAPES);
for (const name of models) {
  try {
    benchModel(name);
  } catch (error) {
    console.log(`${name.padEnd(16)} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
