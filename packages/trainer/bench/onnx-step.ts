/**
 * One engine's side of the training bench (see engines.ts): the ONNX Runtime training engine on a family's
 * training graph (random weights, sequence classification), timed over BENCH_STEPS steps after one warm-up.
 * Prints one JSON line. Env: BENCH_MODEL, BENCH_BATCH, BENCH_SEQ, BENCH_VARIABLE (1: lengths ~ Normal(256, 64)
 * clamped to [16, 512], one fresh batch per step), BENCH_STEPS, BENCH_THREADS.
 */
import { availableParallelism } from 'node:os';
import { encoderForwardFlops, parseConfig } from '@bcmb/architectures';
import { type FeedTensor, ortGemmGflops, TrainingSession, trainingModelOf } from '@bcmb/onnx';
import { BENCH_SHAPES, type BenchCase, caseLengths, randomIds, seeded } from './shapes.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const benchCase: BenchCase = {
  model: env('BENCH_MODEL', 'bert-base'),
  batch: Number(env('BENCH_BATCH', '16')),
  seq: env('BENCH_VARIABLE', '0') === '1' ? 'variable' : Number(env('BENCH_SEQ', '128')),
};
const steps = Number(env('BENCH_STEPS', '3'));
const threads = Number(env('BENCH_THREADS', String(availableParallelism())));
const labels = 6;
const gib = (bytes: number) => bytes / 2 ** 30;

const config = parseConfig(
  { ...BENCH_SHAPES[benchCase.model], num_labels: labels },
  `${benchCase.model} (bench shape)`,
);
const built = trainingModelOf(config, 'sequence-classification', 'random', {
  problemType: 'single_label_classification',
  dropoutMasks: 'graph',
});
const flag = (name: string) => (process.env[name] === undefined ? undefined : process.env[name] === '1');
const session = await TrainingSession.create(built.model, {
  weightDecay: 0.01,
  threads,
  ...(flag('BENCH_ARENA') === undefined ? {} : { memoryArena: flag('BENCH_ARENA') }),
  ...(flag('BENCH_MEMORY_PATTERN') === undefined ? {} : { memoryPattern: flag('BENCH_MEMORY_PATTERN') }),
});
const rssAfterCreate = process.memoryUsage().rss;
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

const [warmUp, ...timed] = caseLengths(benchCase, 1 + steps) as [number[], ...number[][]];
const warmStart = performance.now();
await session.step(batch(warmUp).feeds, 2e-5);
const warmUpSeconds = (performance.now() - warmStart) / 1000;
const rssAfterWarmUp = process.memoryUsage().rss;
const times: number[] = [];
let tokens = 0;
let flops = 0;
let padded = 0;
for (const lengths of timed) {
  const b = batch(lengths);
  const start = performance.now();
  await session.step(b.feeds, 2e-5);
  times.push((performance.now() - start) / 1000);
  tokens += b.tokens;
  flops += b.flops;
  padded += lengths.length * Math.max(...lengths);
}
const peakRss = process.resourceUsage().maxRSS * 1024;
await session.release();
const seconds = times.reduce((a, b) => a + b, 0);
const gemm = await ortGemmGflops(Math.round(tokens / steps), 768, 3072, { threads });
console.log(
  JSON.stringify({
    engine: 'onnx',
    model: benchCase.model,
    batch: benchCase.batch,
    seq: benchCase.seq,
    steps,
    seconds_per_step: seconds / steps,
    step_seconds: times,
    warm_up_seconds: warmUpSeconds,
    real_tokens_per_second: tokens / seconds,
    padded_tokens_per_step: padded / steps,
    real_tokens_per_step: tokens / steps,
    model_gflops_per_second: flops / seconds / 1e9,
    gemm_gflops: gemm,
    peak_rss_gib: gib(peakRss),
    rss_after_create_gib: gib(rssAfterCreate),
    rss_after_warm_up_gib: gib(rssAfterWarmUp),
    threads,
  }),
);
