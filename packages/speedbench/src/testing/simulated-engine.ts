/**
 * A stand-in engine for tests of the process isolation: it "runs" a batch by sleeping, and past a
 * batch size it runs out of memory the way a real engine would (the V8 heap, the kernel's OOM killer,
 * or an allocator error). Not exported from the package entry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineBatch, InferenceEngine, LoadedModel } from '../engine.js';

export interface SimulatedEngineOptions {
  /** Largest batch that "fits". */
  maxBatchSize: number;
  /** How a larger batch fails. */
  outOfMemory: 'heap' | 'killed' | 'allocator-error';
  /** Cost of one batch: a fixed part plus a part per row, in milliseconds. */
  msPerBatch?: number;
  msPerRow?: number;
  /** Make `load` fail with this message. */
  loadError?: string;
  /** Make `run` fail with this message (not an out-of-memory). */
  runError?: string;
}

function exhaustHeap(): never {
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array(1 << 20).fill(hoard.length));
}

export function createSimulatedEngine(options: SimulatedEngineOptions): InferenceEngine {
  return {
    name: 'simulated',
    async load(): Promise<LoadedModel> {
      if (options.loadError !== undefined) throw new Error(options.loadError);
      return {
        maxLength: 512,
        randomWeights: true,
        async run(batch: EngineBatch) {
          if (options.runError !== undefined) throw new Error(options.runError);
          if (batch.batchSize > options.maxBatchSize) {
            if (options.outOfMemory === 'heap') exhaustHeap();
            if (options.outOfMemory === 'killed') process.kill(process.pid, 'SIGKILL');
            throw new Error(
              `OOM when allocating tensor with shape [${batch.batchSize}, ${batch.seqLen}, 768]`,
            );
          }
          await sleep((options.msPerBatch ?? 0) + (options.msPerRow ?? 0) * batch.batchSize);
        },
        async dispose() {},
      };
    },
  };
}
