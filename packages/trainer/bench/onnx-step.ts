/**
 * One engine's side of the training bench (see engines.ts): the ONNX Runtime training engine on a family's
 * training graph (random weights, sequence classification), timed over BENCH_STEPS steps after one warm-up.
 * Prints one JSON line. Env: BENCH_MODEL, BENCH_BATCH, BENCH_SEQ, BENCH_VARIABLE (1: lengths ~ Normal(256, 64)
 * clamped to [16, 512], one fresh batch per step), BENCH_STEPS, BENCH_THREADS.
 */
import { availableParallelism } from 'node:os';
import { encoderForwardFlops, parseConfig } from '@bcmb/architectures';
import { type FeedTensor, ortGemmGflops, TrainingSession, trainingModelOf } from '@bcmb/onnx';
import { BENCH_SHAPES, randomIds, seeded, variableLengths } from './shapes.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const model = env('BENCH_MODEL', 'bert-base');
const batchSize = Number(env('BENCH_BATCH', '16'));
const seq = Number(env('BENCH_SEQ', '128'));
const variable = env('BENCH_VARIABLE', '0') === '1';
const steps = Number(env('BENCH_STEPS', '3'));
const threads = Number(env('BENCH_THREADS', String(availableParallelism())));
const labels = 6;

const config = parseConfig({ ...BENCH_SHAPES[model], num_labels: labels }, `${model} (bench shape)`);
const built = trainingModelOf(config, 'sequence-classification', 'random', {
  problemType: 'single_label_classification',
  dropoutMasks: 'graph',
});
const session = await TrainingSession.create(built.model, { weightDecay: 0.01, threads });
const random = seeded(42);
const usesTypes = built.inputNames.includes('token_type_ids');

/** A batch of `lengths` sequences padded to the longest; returns the feeds, real tokens and useful FLOPs. */
function batch(lengths: number[]): { feeds: Record<string, FeedTensor>; tokens: number; flops: number } {
  const width = Math.max(...lengths);
  const ids = new BigInt64Array(lengths.length * width);
  const mask = new BigInt64Array(lengths.length * width);
  lengths.forEach((length, b) => {
    randomIds(length, random).forEach((id, i) => {
      ids[b * width + i] = BigInt(id);
      mask[b * width + i] = 1n;
    });
  });
  const dims = [lengths.length, width];
  const feeds: Record<string, FeedTensor> = {
    input_ids: { data: ids, dims },
    attention_mask: { data: mask, dims },
    labels: { data: BigInt64Array.from(lengths, (_, b) => BigInt(b % labels)), dims: [lengths.length] },
  };
  if (usesTypes) feeds['token_type_ids'] = { data: new BigInt64Array(ids.length), dims };
  const tokens = lengths.reduce((a, b) => a + b, 0);
  // Training ≈ 3 × the forward's matrix products, counted on each sequence's real tokens.
  const flops = lengths.reduce((sum, length) => sum + 3 * encoderForwardFlops(config, 1, length), 0);
  return { feeds, tokens, flops };
}

const nextLengths = () => (variable ? variableLengths(batchSize, random) : Array(batchSize).fill(seq));
await session.step(batch(nextLengths()).feeds, 2e-5);
const times: number[] = [];
let tokens = 0;
let flops = 0;
let padded = 0;
for (let i = 0; i < steps; i++) {
  const lengths = nextLengths();
  const b = batch(lengths);
  const start = performance.now();
  await session.step(b.feeds, 2e-5);
  times.push((performance.now() - start) / 1000);
  tokens += b.tokens;
  flops += b.flops;
  padded += lengths.length * Math.max(...lengths);
}
await session.release();
const seconds = times.reduce((a, b) => a + b, 0);
const gemm = await ortGemmGflops(batchSize * (variable ? 256 : seq), 768, 3072, { threads });
console.log(
  JSON.stringify({
    engine: 'onnx',
    model,
    batch: batchSize,
    seq: variable ? 'variable' : seq,
    steps,
    seconds_per_step: seconds / steps,
    step_seconds: times,
    real_tokens_per_second: tokens / seconds,
    padded_tokens_per_step: padded / steps,
    real_tokens_per_step: tokens / steps,
    model_gflops_per_second: flops / seconds / 1e9,
    gemm_gflops: gemm,
    peak_rss_mb: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    threads,
  }),
);
