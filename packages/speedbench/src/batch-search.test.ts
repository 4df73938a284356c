import { describe, expect, it } from 'vitest';
import { researchLargestBatchSize, throughputBestBatchSize } from './batch-search.js';
import { BatchSizeSearchError } from './errors.js';

/** A device on which every batch up to `capacity` runs. */
function deviceFitting(capacity: number) {
  const attempted: number[] = [];
  const attempt = async (batchSize: number) => {
    attempted.push(batchSize);
    return batchSize <= capacity ? { ok: true as const } : { ok: false as const, reason: 'out of memory' };
  };
  return { attempt, attempted };
}

describe('researchLargestBatchSize', () => {
  it('settles on 996 for a device that fits 1000, as the research search does', async () => {
    const device = deviceFitting(1000);
    const result = await researchLargestBatchSize(device.attempt);
    expect(result.batchSize).toBe(996);
    // Phase 2 backs off from 2740 by 64 (…, 1012 fails) until 948 runs; phase 4 then grows by 32 (980;
    // 1012 is known to fail), 16 (996), 8 (1004 fails), 4 (1000) and 2 (1002 fails); 1000 − 4 is kept.
    expect(device.attempted.slice(0, 3)).toEqual([2740, 2676, 2612]);
    expect(device.attempted.slice(-7)).toEqual([1012, 948, 980, 996, 1004, 1000, 1002]);
  });

  it('stops at 4096 − 4 when everything fits', async () => {
    expect((await researchLargestBatchSize(deviceFitting(1e9).attempt)).batchSize).toBe(4092);
  });

  it('falls back to batch size 1 like the research (which never tries 2)', async () => {
    const device = deviceFitting(2);
    expect((await researchLargestBatchSize(device.attempt)).batchSize).toBe(1);
    expect(device.attempted).not.toContain(2);
  });

  it('attempts each size once', async () => {
    const device = deviceFitting(333);
    await researchLargestBatchSize(device.attempt);
    expect(new Set(device.attempted).size).toBe(device.attempted.length);
  });

  it('fails with a typed error when not even batch size 1 runs', async () => {
    await expect(researchLargestBatchSize(deviceFitting(0).attempt)).rejects.toThrow(BatchSizeSearchError);
  });
});

describe('throughputBestBatchSize', () => {
  const budget = { maxBatchSize: 4096, memoryBudgetBytes: 1000 };

  it('keeps the fastest size and stops once a larger one is not faster', async () => {
    const speed: Record<number, number> = { 1: 10, 2: 18, 4: 30, 8: 30.5, 16: 50 };
    const result = await throughputBestBatchSize(
      async (batchSize) => ({ ok: true, throughput: speed[batchSize]!, peakMemoryBytes: batchSize }),
      budget,
    );
    expect(result.batchSize).toBe(4);
    expect(result.trials.map((trial) => trial.batchSize)).toEqual([1, 2, 4, 8]);
  });

  it('treats a size over the memory budget, or one that died, as not fitting', async () => {
    const overBudget = await throughputBestBatchSize(
      async (batchSize) => ({ ok: true, throughput: batchSize, peakMemoryBytes: batchSize * 300 }),
      budget,
    );
    expect(overBudget.batchSize).toBe(2);
    expect(overBudget.trials.at(-1)).toMatchObject({ batchSize: 4, ok: false });

    const died = await throughputBestBatchSize(
      async (batchSize) =>
        batchSize < 8
          ? { ok: true, throughput: batchSize, peakMemoryBytes: 0 }
          : { ok: false, reason: 'process died (signal SIGKILL)' },
      budget,
    );
    expect(died.batchSize).toBe(4);
  });

  it('never tries more than the sample count', async () => {
    const result = await throughputBestBatchSize(
      async (batchSize) => ({ ok: true, throughput: batchSize, peakMemoryBytes: 0 }),
      { ...budget, maxBatchSize: 5 },
    );
    expect(result.batchSize).toBe(4);
  });

  it('fails with a typed error when batch size 1 does not fit', async () => {
    await expect(
      throughputBestBatchSize(async () => ({ ok: false, reason: 'out of memory' }), budget),
    ).rejects.toThrow(BatchSizeSearchError);
  });
});
