/**
 * Training throughput of BERT-base and ModernBERT-base shapes (random weights, sequence classification,
 * 16 × 128 tokens) on the wasm backend (BCMB_BACKEND overrides): one full step = forward, backward, clipping and
 * AdamW. Model FLOPs are taken as 3 × the forward's matrix products (backward ≈ 2 × forward) and compared with
 * the backend's own GEMM rate measured in the same run.
 *   pnpm --filter @bcmb/trainer bench          BENCH_ITERS=3 for more timed steps
 * BENCH_LAYERS=n keeps the base widths but only n encoder layers, BENCH_BATCH=n changes the batch, for machines
 * where a full step takes many minutes or does not fit (the printed GFLOP count follows what actually ran). A step
 * that does not fit the backend's memory (wasm: a 4 GB heap) is reported and ends the run, since a wasm abort leaves
 * the module unusable.
 */
import {
  type BackendName,
  createModel,
  type EncoderModel,
  encoderForwardFlops,
  initBackend,
  parseConfig,
} from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  clipGradNorm,
  collate,
  disposeBatch,
  lossAndGradients,
  weightDecayByParameter,
} from '../src/index.js';

const BATCH = Number(process.env['BENCH_BATCH'] ?? 16);
const LENGTH = 128;
const ITERS = Number(process.env['BENCH_ITERS'] ?? 1);
const LAYERS = process.env['BENCH_LAYERS'] === undefined ? undefined : Number(process.env['BENCH_LAYERS']);

/** The published shapes (bert-base-cased / Bio_ClinicalBERT, answerdotai/ModernBERT-base); weights are random. */
const SHAPES: Record<string, Record<string, unknown>> = {
  'bert-base': {
    model_type: 'bert',
    vocab_size: 28996,
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    max_position_embeddings: 512,
  },
  'modernbert-base': {
    model_type: 'modernbert',
    vocab_size: 50368,
    hidden_size: 768,
    num_hidden_layers: 22,
    num_attention_heads: 12,
    intermediate_size: 1152,
    local_attention: 128,
    global_attn_every_n_layers: 3,
    max_position_embeddings: 8192,
    pad_token_id: 50283,
    classifier_pooling: 'mean',
  },
};

function seconds(run: () => void, iterations: number): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run();
  return (performance.now() - start) / 1000 / iterations;
}

/** GFLOP/s of the backend's plain GEMM on the dominant training shape: [B·L, 768] · [768, 3072]. */
function gemmRate(): number {
  const a = tf.randomUniform([BATCH * LENGTH, 768], -1, 1);
  const b = tf.randomUniform([768, 3072], -1, 1);
  const once = () => tf.matMul(a, b).dataSync();
  once();
  const time = seconds(() => tf.tidy(once), 3);
  tf.dispose([a, b]);
  return (2 * BATCH * LENGTH * 768 * 3072) / time / 1e9;
}

function benchModel(name: string, gemm: number): void {
  const shape = { ...SHAPES[name], num_labels: 6, ...(LAYERS ? { num_hidden_layers: LAYERS } : {}) };
  const config = parseConfig(shape, `${name} (bench shape)`);
  const model: EncoderModel = createModel(config, 'sequence-classification');
  const parameters = model.parameters();
  const optimizer = new AdamW(parameters, weightDecayByParameter(parameters.keys(), 0.01));
  const examples = Array.from({ length: BATCH }, (_, i) => ({
    // Token ids in [100, 16000) like the research speed benchmark.
    inputIds: Array.from({ length: LENGTH }, () => 100 + Math.floor(Math.random() * 15900)),
    label: i % 6,
  }));
  const batch = collate(examples, 0, 'single-label');
  const step = () => {
    const { grads } = lossAndGradients(model, batch);
    const clipped = clipGradNorm(grads);
    optimizer.step(clipped.grads, 2e-5);
    tf.dispose([...grads.values(), ...clipped.grads.values()]);
  };
  step();
  const time = seconds(step, ITERS);
  const flops = 3 * encoderForwardFlops(config, BATCH, LENGTH);
  const achieved = flops / time / 1e9;
  console.log(
    `${name.padEnd(16)} ${config.numHiddenLayers} layers ${time.toFixed(2).padStart(7)} s/step  ${((BATCH * LENGTH) / time).toFixed(0).padStart(5)} tokens/s  ` +
      `${(flops / 1e9).toFixed(0)} GFLOP/step  ${achieved.toFixed(1)} GFLOP/s = ${((100 * achieved) / gemm).toFixed(0)}% of GEMM`,
  );
  disposeBatch(batch);
  optimizer.dispose();
  model.dispose();
}

const backend = await initBackend({
  backend: (process.env['BCMB_BACKEND'] as BackendName | undefined) ?? 'wasm',
});
const gemm = gemmRate();
console.log(
  `backend ${backend.name}: GEMM [${BATCH * LENGTH}x768]·[768x3072] ${gemm.toFixed(1)} GFLOP/s; training steps of ${BATCH} × ${LENGTH} tokens, ${ITERS} timed after 1 warm-up`,
);
for (const name of Object.keys(SHAPES)) {
  try {
    benchModel(name, gemm);
  } catch (error) {
    console.log(`${name.padEnd(16)} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
console.log(`GEMM re-measured after the models: ${gemmRate().toFixed(1)} GFLOP/s`);
