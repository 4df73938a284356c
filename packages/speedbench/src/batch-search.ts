import { BatchSizeSearchError } from './errors.js';

/** Research `find_max_batch_size_worker`: the first batch size it tries. */
export const RESEARCH_SEARCH_START = 2740;
/** Research: no batch size beyond 4096 is tried or kept. */
export const RESEARCH_SEARCH_LIMIT = 4096;
/** Research phase 4: growth steps, largest first. */
const RESEARCH_REFINE_STEPS = [32, 16, 8, 4, 2];
/** Research: the found size is lowered by 4 (when above 8) as a safety margin. */
const RESEARCH_SAFETY_MARGIN = 4;

/** A CPU candidate must beat the best so far by this share, or the search stops growing. */
export const CPU_MIN_GAIN = 0.03;
/** Largest CPU candidate: throughput is flat long before this on CPU backends. */
export const CPU_SEARCH_MAX_BATCH = 256;

export interface SearchTrial {
  batchSize: number;
  ok: boolean;
  /** Sequences per second (throughput search only). */
  throughput?: number;
  reason?: string;
}

export interface SearchResult {
  batchSize: number;
  trials: SearchTrial[];
}

export type Attempt = (batchSize: number) => Promise<{ ok: true } | { ok: false; reason: string }>;

/**
 * The research's largest-batch search for GPUs, phase for phase: grow by 16 from 2740 while it runs,
 * back off by 64 until it runs, then by 4 (and 1 as a last resort), then grow by 32, 16, 8, 4 and 2,
 * and keep the result minus 4. `attempt` runs a whole pass at that size (each in its own process).
 * Unlike the research, a size is attempted once and its outcome reused: the research re-runs the
 * same size several times between phases, which changes nothing but the time spent.
 */
export async function researchLargestBatchSize(attempt: Attempt): Promise<SearchResult> {
  const trials = new Map<number, SearchTrial>();
  const runs = async (batchSize: number): Promise<boolean> => {
    let trial = trials.get(batchSize);
    if (trial === undefined) {
      const outcome = await attempt(batchSize);
      trial = outcome.ok ? { batchSize, ok: true } : { batchSize, ok: false, reason: outcome.reason };
      trials.set(batchSize, trial);
    }
    return trial.ok;
  };

  let batchSize = RESEARCH_SEARCH_START;
  while ((await runs(batchSize)) && batchSize < RESEARCH_SEARCH_LIMIT) batchSize += 16;
  while (!(await runs(batchSize)) && batchSize > 64) batchSize -= 64;
  if (!(await runs(batchSize))) {
    while (!(await runs(batchSize)) && batchSize > 4) batchSize -= 4;
    if (batchSize <= 4 && !(await runs(batchSize))) {
      batchSize = 1;
      if (!(await runs(batchSize))) {
        throw new BatchSizeSearchError('Cannot find a working batch size: even batch size 1 failed', {
          hint: `Last failure: ${trials.get(1)?.reason ?? 'unknown'}`,
        });
      }
    }
  }
  for (const step of RESEARCH_REFINE_STEPS) {
    for (let test = batchSize + step; test < RESEARCH_SEARCH_LIMIT; test += step) {
      if (!(await runs(test))) break;
      batchSize = test;
    }
  }
  let final = Math.min(batchSize, RESEARCH_SEARCH_LIMIT);
  if (final > 8) final -= RESEARCH_SAFETY_MARGIN;
  return { batchSize: final, trials: [...trials.values()] };
}

export type Probe = (
  batchSize: number,
) => Promise<{ ok: true; throughput: number; peakMemoryBytes: number } | { ok: false; reason: string }>;

export interface ThroughputSearchOptions {
  /** Largest size worth trying (e.g. the sample count). */
  maxBatchSize: number;
  /** A size whose process peaks above this many bytes counts as not fitting. */
  memoryBudgetBytes: number;
}

/**
 * The CPU counterpart: on a CPU the largest batch that fits is rarely the fastest, so try 1, 2, 4, …
 * (each probe in its own process), stop at the first size that does not fit the memory budget or does
 * not beat the best throughput by `CPU_MIN_GAIN`, and keep the fastest.
 */
export async function throughputBestBatchSize(
  probe: Probe,
  { maxBatchSize, memoryBudgetBytes }: ThroughputSearchOptions,
): Promise<SearchResult> {
  const trials: SearchTrial[] = [];
  let best: { batchSize: number; throughput: number } | undefined;
  const limit = Math.max(1, Math.min(maxBatchSize, CPU_SEARCH_MAX_BATCH));
  for (let batchSize = 1; batchSize <= limit; batchSize *= 2) {
    const outcome = await probe(batchSize);
    if (!outcome.ok) {
      trials.push({ batchSize, ok: false, reason: outcome.reason });
      break;
    }
    if (outcome.peakMemoryBytes > memoryBudgetBytes) {
      const peakMb = Math.round(outcome.peakMemoryBytes / 2 ** 20);
      const budgetMb = Math.round(memoryBudgetBytes / 2 ** 20);
      trials.push({
        batchSize,
        ok: false,
        reason: `peak memory ${peakMb} MB is over the ${budgetMb} MB budget`,
      });
      break;
    }
    trials.push({ batchSize, ok: true, throughput: outcome.throughput });
    if (best !== undefined && outcome.throughput <= best.throughput * (1 + CPU_MIN_GAIN)) break;
    best = { batchSize, throughput: outcome.throughput };
  }
  if (best === undefined) {
    throw new BatchSizeSearchError('Cannot find a working batch size: even batch size 1 failed', {
      hint: `Reason: ${trials[0]?.reason ?? 'unknown'}`,
    });
  }
  return { batchSize: best.batchSize, trials };
}
