/**
 * Training-step micro-benchmark of the ONNX training engine: a BERT-base-shaped post-norm encoder classifier
 * (built directly with GraphBuilder, random weights) at batch × seq tokens, one fused ORT session per step
 * (forward, backward, clip, AdamW). Prints seconds per step, tokens/s, peak RSS, ORT's GEMM rate (one MatMul
 * probe) and the model's FLOP rate as a fraction of it.
 *
 * Env: BENCH_LAYERS (12) BENCH_BATCH (16) BENCH_SEQ (128) BENCH_STEPS (3, after 1 warm-up) BENCH_THREADS (cores)
 *      BENCH_OPT (all|extended|basic|disabled) BENCH_GELU (unit|contrib|composed) BENCH_FUSED_SCORES (1) BENCH_VOCAB (28996)
 *      BENCH_SPIN (0) BENCH_ACCUM (1) BENCH_ARENA (1) BENCH_INPLACE (1)
 *      BENCH_PROFILE (unset; a path prefix writes ORT's per-node profile)
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ortGemmGflops } from '../src/gemm-probe.js';
import { type GraphOptimizationLevel, TrainingSession } from '../src/training/session.js';
import {
  buildEncoderClassifier,
  type EncoderShape,
  encoderParameters,
} from '../src/training/testing/post-norm-encoder.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const threads = env('BENCH_THREADS', availableParallelism());
const shape: EncoderShape = {
  vocab: env('BENCH_VOCAB', 28996),
  hidden: 768,
  heads: 12,
  mlp: 3072,
  layers: env('BENCH_LAYERS', 12),
  labels: 6,
  batch: env('BENCH_BATCH', 16),
  seq: env('BENCH_SEQ', 128),
  eps: 1e-12,
};
const steps = env('BENCH_STEPS', 3);
const level = (process.env.BENCH_OPT ?? 'all') as GraphOptimizationLevel;

/** Matrix-product FLOPs of one training step (forward + 2× backward) of the encoder, attention included. */
function stepFlops(s: EncoderShape): number {
  const tokens = s.batch * s.seq;
  const perToken =
    s.layers * (4 * s.hidden * s.hidden + 2 * s.hidden * s.mlp) + (s.hidden * s.labels) / s.seq;
  const dense = 2 * tokens * perToken;
  const attention = s.layers * 2 * 2 * s.batch * s.seq * s.seq * s.hidden;
  return 3 * (dense + attention);
}

let seed = 1;
function random(n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed++ * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale * 0.1;
  }
  return out;
}

async function main(): Promise<void> {
  console.log(
    `ONNX training step: ${shape.layers} layers × hidden ${shape.hidden}, ${shape.heads} heads, MLP ${shape.mlp}, vocab ${shape.vocab}, batch ${shape.batch} × ${shape.seq}, ${threads} threads, graph optimisation ${level}`,
  );
  const probe = {
    gflops: await ortGemmGflops(shape.batch * shape.seq, shape.hidden, shape.mlp, { threads }),
  };
  console.log(
    `ORT GEMM probe [${shape.batch * shape.seq}×${shape.hidden}]·[${shape.hidden}×${shape.mlp}]: ${probe.gflops.toFixed(1)} GFLOP/s`,
  );
  const params = encoderParameters(shape, random);
  const paramCount = params.reduce((a, p) => a + p.data.length, 0);
  const model = buildEncoderClassifier(shape, params, {
    gelu: (process.env.BENCH_GELU ?? 'contrib') as 'unit' | 'contrib' | 'composed',
    fusedScores: process.env.BENCH_FUSED_SCORES !== '0',
  });
  const built = performance.now();
  const session = await TrainingSession.create(model, {
    threads,
    graphOptimizationLevel: level,
    weightDecay: 0.01,
    spinning: process.env.BENCH_SPIN === '1',
    accumulationSteps: env('BENCH_ACCUM', 1),
    profile: process.env.BENCH_PROFILE,
    memoryArena: process.env.BENCH_ARENA !== '0',
    inPlace: process.env.BENCH_INPLACE !== '0',
  });
  console.log(
    `parameters: ${(paramCount / 1e6).toFixed(1)} M; graph built and session created in ${((performance.now() - built) / 1000).toFixed(1)} s`,
  );
  const tokens = shape.batch * shape.seq;
  const ids = new BigInt64Array(tokens);
  for (let i = 0; i < tokens; i++) ids[i] = BigInt((100 + ((i * 7919) % 16000)) % shape.vocab);
  const batch = {
    input_ids: { data: ids, dims: [shape.batch, shape.seq] },
    attention_mask: { data: new Float32Array(tokens).fill(1), dims: [shape.batch, shape.seq] },
    labels: {
      data: BigInt64Array.from({ length: shape.batch }, (_, i) => BigInt(i % shape.labels)),
      dims: [shape.batch],
    },
  };
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await session.step(batch, 2e-5);
    const seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpuSeconds = (c.user + c.system) / 1e6;
    console.log(
      `${i === 0 ? 'warm-up' : `step ${i}`}: ${seconds.toFixed(2)} s (CPU ${cpuSeconds.toFixed(2)} s), loss ${r.loss.toFixed(4)}, grad norm ${r.gradNorm?.toFixed(4)}`,
    );
    if (i > 0) {
      times.push(seconds);
      cpu.push(cpuSeconds);
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const flops = stepFlops(shape);
  const rss = process.resourceUsage().maxRSS / 1024 / 1024;
  console.log(
    JSON.stringify({
      engine: 'onnx',
      layers: shape.layers,
      batch: shape.batch,
      seq: shape.seq,
      threads,
      optimization: level,
      arena: process.env.BENCH_ARENA !== '0',
      gelu: process.env.BENCH_GELU ?? 'contrib',
      secondsPerStepMedian: +median.toFixed(3),
      secondsPerStepMean: +mean.toFixed(3),
      cpuSecondsPerStep: +(cpu.reduce((a, b) => a + b, 0) / cpu.length).toFixed(3),
      tokensPerSecond: +(tokens / median).toFixed(1),
      peakRssGiB: +rss.toFixed(2),
      gemmGflops: +probe.gflops.toFixed(1),
      modelGflops: +(flops / median / 1e9).toFixed(1),
      fractionOfGemmRate: +(flops / median / 1e9 / probe.gflops).toFixed(3),
      loadAverage: loadavg().map((x) => +x.toFixed(2)),
    }),
  );
  await session.release();
}

await main();
