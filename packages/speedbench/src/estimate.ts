import { encoderForwardFlops, readConfig } from '@bcmb/architectures';
import { gemmGflops, initBackend } from '@bcmb/modeling';
import { type WorkloadName, workloadSpec } from './workloads.js';

export interface EstimateSettings {
  samples: number;
  iters: number;
  warmupBatches: number;
  /** The batch size when given; the estimate then assumes it, else one sample per batch. */
  batchSize?: number;
}

/**
 * Multiply-add FLOPs of one model over the selected sets: `iters` timed passes over `samples` samples plus the
 * warm-up batches. Variable-length sets are counted at their mean length plus two standard deviations, about where
 * padding to a batch's longest sample lands. The batch-size search (without `--batch-size`) is not counted.
 */
export async function workloadFlops(
  modelDir: string,
  sets: readonly WorkloadName[],
  settings: EstimateSettings,
): Promise<number> {
  const config = await readConfig(modelDir);
  const batch = settings.batchSize ?? 1;
  let total = 0;
  for (const name of sets) {
    const spec = workloadSpec(name);
    const length = spec.lengths
      ? Math.min(spec.seqLen, Math.round(spec.lengths.mean + 2 * spec.lengths.std))
      : spec.seqLen;
    const perSample = encoderForwardFlops(config, batch, length) / batch;
    total += perSample * (settings.samples * settings.iters + settings.warmupBatches * batch);
  }
  return total;
}

/**
 * This machine's dense matrix-product rate on tfjs's fastest installed backend (a 512 × 768 × 768 GEMM, the shape of a
 * BERT-base projection over one 512-token sequence), in GFLOP/s. Takes about a second.
 */
export async function measureGemmRate(): Promise<{ gflops: number; backend: string }> {
  const backend = await initBackend({ onReport: () => undefined });
  return { gflops: gemmGflops(512, 768, 768, 3), backend: `tfjs-${backend.name}` };
}

/** `1h 05m`, `12m 30s`, `45s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
