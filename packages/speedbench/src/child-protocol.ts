import type { WorkloadName } from './workloads.js';

/** What a benchmark child process is asked to do: load one model on one engine and time passes over one set. */
export interface ChildJob {
  engine: { name: string; module: string; factory: string; options?: unknown };
  modelDir: string;
  workload: { name: WorkloadName; samples: number; seed: number; padTokenId: number; maxLength: number };
  batchSize: number;
  /** Untimed batches run first (kernel compilation, allocator warm-up). */
  warmupBatches: number;
  /** Timed passes; each covers the first `rowsPerPass` samples in batches of `batchSize`. */
  passes: number;
  /** Samples per pass; the whole set unless probing. */
  rowsPerPass: number;
}

export type ChildMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; seconds: number[]; maxRssBytes: number; randomWeights: boolean; maxLength: number }
  | { type: 'error'; phase: 'load' | 'run'; message: string; outOfMemory: boolean };

/** Error texts that mean "this batch does not fit", from V8, WebAssembly, tfjs-node and ONNX Runtime. */
const OUT_OF_MEMORY =
  /out of memory|\bOOM\b|allocation failed|Memory\.grow|Array buffer allocation|Invalid typed array length|Cannot allocate|Failed to allocate|bad_alloc/i;

export function looksLikeOutOfMemory(message: string): boolean {
  return OUT_OF_MEMORY.test(message);
}
