import { totalmem } from 'node:os';
import { createProgress, type Progress } from '@bcmb/core';
import {
  type Attempt,
  type Probe,
  researchLargestBatchSize,
  type SearchResult,
  type SearchTrial,
  throughputBestBatchSize,
} from './batch-search.js';
import type { ChildJob } from './child-protocol.js';
import type { EngineRegistration } from './engine.js';
import { BatchSizeSearchError, BenchmarkRunError } from './errors.js';
import { type ChildOutcome, runChild } from './isolated.js';
import type { ModelInfo } from './model-info.js';
import { kiloTokensPerSecond, meanAndStd, roundTo } from './stats.js';
import {
  DEFAULT_SAMPLES,
  DEFAULT_SEED,
  WORKLOAD_NAMES,
  type WorkloadName,
  workloadLengths,
  workloadSpec,
} from './workloads.js';

/** Research `run_inference_benchmark(n_iters=10)`. */
export const DEFAULT_ITERS = 10;
/**
 * Untimed batches before the timed passes. The research has none (its first pass pays for CUDA kernel
 * selection); tfjs and ONNX Runtime compile kernels on first use, which would distort short CPU runs.
 */
export const DEFAULT_WARMUP_BATCHES = 1;
/** Default memory budget for the CPU search: half of this machine's memory. */
export const DEFAULT_MEMORY_BUDGET_SHARE = 0.5;
/** Batches a CPU-search probe times at each candidate size (after one warm-up batch). */
export const DEFAULT_PROBE_BATCHES = 2;

export interface BenchmarkTarget {
  /** How the model is named in results (hub id or directory name). */
  label: string;
  info: ModelInfo;
}

export interface BenchmarkOptions {
  /** Set names; default every set the model's max length allows. */
  datasets?: readonly string[];
  samples?: number;
  iters?: number;
  seed?: number;
  /** Skip the search and use this batch size. */
  batchSize?: number;
  warmupBatches?: number;
  memoryBudgetBytes?: number;
  probeBatches?: number;
  /** One line per event (search attempts, results). */
  log?: (line: string) => void;
  /** Draw progress bars (default: when stderr is a terminal). */
  progress?: boolean;
}

export type BatchSizeSource = 'given' | 'largest-that-runs' | 'throughput-best';

export interface DatasetTiming {
  dataset: WorkloadName;
  samples: number;
  seqLen: number;
  batchSize: number;
  batchSizeSource: BatchSizeSource;
  searchTrials: SearchTrial[];
  warmupBatches: number;
  seconds: number[];
  mean: number;
  std: number;
  /** samples × the research's nominal tokens per sample. */
  nominalTokens: number;
  realTokens: number;
  paddedTokens: number;
  /** Research `ktok_per_sec`: nominal tokens, rounded to 2 decimals. */
  ktokPerSec: number;
  ktokPerSecReal: number;
  /** Share of positions that are padding. */
  paddingShare: number;
  peakMemoryBytes: number;
}

export interface ModelEngineResult {
  model: string;
  modelDir: string;
  modelType: string;
  engine: string;
  device: 'cpu' | 'gpu';
  randomWeights: boolean;
  maxLength: number;
  datasets: DatasetTiming[];
  /** Requested sets the model's max length does not allow. */
  skipped: WorkloadName[];
  /** Sets that failed (search found no size, or the run failed), as the research prints and moves on. */
  failures: { dataset: WorkloadName; message: string }[];
}

/** Requested set names, validated, in the research's order. */
export function selectDatasets(names: readonly string[] | undefined, maxLength: number) {
  const wanted = new Set((names ?? WORKLOAD_NAMES).map((name) => workloadSpec(name).name));
  const run: WorkloadName[] = [];
  const skipped: WorkloadName[] = [];
  for (const name of WORKLOAD_NAMES) {
    if (!wanted.has(name)) continue;
    if (maxLength > workloadSpec(name).requiresMaxLengthAbove) run.push(name);
    else skipped.push(name);
  }
  return { run, skipped };
}

/** Benchmarks one model on one engine over the selected sets. */
export async function benchmarkModel(
  target: BenchmarkTarget,
  engine: EngineRegistration,
  options: BenchmarkOptions = {},
): Promise<ModelEngineResult> {
  const { run, skipped } = selectDatasets(options.datasets, target.info.maxLength);
  const result: ModelEngineResult = {
    model: target.label,
    modelDir: target.info.dir,
    modelType: target.info.modelType,
    engine: engine.name,
    device: engine.device,
    randomWeights: target.info.randomWeights,
    maxLength: target.info.maxLength,
    datasets: [],
    skipped,
    failures: [],
  };
  for (const dataset of run) {
    try {
      result.datasets.push(await benchmarkDataset(target, engine, dataset, options, result));
    } catch (error) {
      if (!(error instanceof BatchSizeSearchError || error instanceof BenchmarkRunError)) throw error;
      options.log?.(`${target.label} [${engine.name}] ${dataset}: ${error.message}`);
      result.failures.push({ dataset, message: error.message });
    }
  }
  return result;
}

async function benchmarkDataset(
  target: BenchmarkTarget,
  engine: EngineRegistration,
  dataset: WorkloadName,
  options: BenchmarkOptions,
  result: ModelEngineResult,
): Promise<DatasetTiming> {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  const warmupBatches = options.warmupBatches ?? DEFAULT_WARMUP_BATCHES;
  const tag = `${target.label} [${engine.name}] ${dataset}`;
  const job = (batchSize: number, overrides: Partial<ChildJob>): ChildJob => ({
    engine: { name: engine.name, module: engine.module, factory: engine.factory, options: engine.options },
    modelDir: target.info.dir,
    workload: {
      name: dataset,
      samples,
      seed,
      padTokenId: target.info.padTokenId,
      maxLength: target.info.maxLength,
    },
    batchSize,
    warmupBatches,
    passes: 1,
    rowsPerPass: samples,
    ...overrides,
  });
  const run = (childJob: ChildJob, label: string) =>
    withProgress(label, options.progress, (onProgress) =>
      runChild(childJob, { execArgv: engine.execArgv ?? [], onProgress }),
    );

  const search = await chooseBatchSize(engine, options, samples, {
    attempt: async (batchSize) => {
      const outcome = await run(job(batchSize, { warmupBatches: 0 }), `${tag} try bs=${batchSize}`);
      options.log?.(`${tag}: batch size ${batchSize} ${outcome.status === 'ok' ? 'succeeded' : 'failed'}`);
      return outcome.status === 'ok' ? { ok: true } : { ok: false, reason: outcome.reason };
    },
    probe: async (batchSize) => {
      const rows = Math.min(samples, batchSize * (options.probeBatches ?? DEFAULT_PROBE_BATCHES));
      const outcome = await run(
        job(batchSize, { warmupBatches: 1, rowsPerPass: rows }),
        `${tag} probe bs=${batchSize}`,
      );
      if (outcome.status !== 'ok') return { ok: false, reason: outcome.reason };
      const throughput = rows / outcome.seconds[0]!;
      options.log?.(`${tag}: batch size ${batchSize} runs ${throughput.toFixed(3)} sequences/s`);
      return { ok: true, throughput, peakMemoryBytes: outcome.maxRssBytes };
    },
  });

  const timed = await run(job(search.result.batchSize, { passes: options.iters ?? DEFAULT_ITERS }), tag);
  if (timed.status !== 'ok') {
    throw new BenchmarkRunError(`timing at batch size ${search.result.batchSize} failed: ${timed.reason}`);
  }
  result.randomWeights = timed.randomWeights;
  const timing = describeTiming(dataset, samples, seed, timed, search, warmupBatches);
  options.log?.(
    `${tag} -> ${timing.mean.toFixed(2)} ± ${timing.std.toFixed(2)} sec (batch_size: ${timing.batchSize}), ` +
      `${timing.ktokPerSec.toFixed(2)} kTok/s`,
  );
  return timing;
}

async function chooseBatchSize(
  engine: EngineRegistration,
  options: BenchmarkOptions,
  samples: number,
  tries: { attempt: Attempt; probe: Probe },
): Promise<{ result: SearchResult; source: BatchSizeSource }> {
  if (options.batchSize !== undefined) {
    return { result: { batchSize: options.batchSize, trials: [] }, source: 'given' };
  }
  if (engine.device === 'gpu') {
    return { result: await researchLargestBatchSize(tries.attempt), source: 'largest-that-runs' };
  }
  const memoryBudgetBytes = options.memoryBudgetBytes ?? totalmem() * DEFAULT_MEMORY_BUDGET_SHARE;
  const result = await throughputBestBatchSize(tries.probe, { maxBatchSize: samples, memoryBudgetBytes });
  return { result, source: 'throughput-best' };
}

function describeTiming(
  dataset: WorkloadName,
  samples: number,
  seed: number,
  timed: Extract<ChildOutcome, { status: 'ok' }>,
  search: { result: SearchResult; source: BatchSizeSource },
  warmupBatches: number,
): DatasetTiming {
  const spec = workloadSpec(dataset);
  const { mean, std } = meanAndStd(timed.seconds);
  const realTokens = workloadLengths(dataset, samples, seed).reduce((sum, length) => sum + length, 0);
  const nominalTokens = samples * spec.nominalTokensPerSample;
  const paddedTokens = samples * spec.seqLen;
  return {
    dataset,
    samples,
    seqLen: spec.seqLen,
    batchSize: search.result.batchSize,
    batchSizeSource: search.source,
    searchTrials: search.result.trials,
    warmupBatches,
    seconds: timed.seconds,
    mean,
    std,
    nominalTokens,
    realTokens,
    paddedTokens,
    ktokPerSec: roundTo(kiloTokensPerSecond(nominalTokens, mean), 2),
    ktokPerSecReal: kiloTokensPerSecond(realTokens, mean),
    paddingShare: 1 - realTokens / paddedTokens,
    peakMemoryBytes: timed.maxRssBytes,
  };
}

async function withProgress<T>(
  label: string,
  enabled: boolean | undefined,
  body: (onProgress: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  let bar: Progress | undefined;
  try {
    return await body((done, total) => {
      bar ??= createProgress({ label, total, ...(enabled === undefined ? {} : { enabled }) });
      bar.update(done);
    });
  } finally {
    bar?.stop();
  }
}
