import { describe, expect, it } from 'vitest';
import { UnknownWorkloadError } from './errors.js';
import { TorchCpuGenerator } from './torch-random.js';
import {
  generateWorkloads,
  MIN_VARIABLE_LENGTH,
  TOKEN_ID_HIGH,
  TOKEN_ID_LOW,
  WORKLOAD_SPECS,
  type Workload,
  workloadBatch,
  workloadLengths,
  workloadsForMaxLength,
} from './workloads.js';

const MODERNBERT = { padTokenId: 50283, maxLength: 8192 };
const BERT = { padTokenId: 0, maxLength: 512 };

function only(names: string[], options: Parameters<typeof generateWorkloads>[1]): Workload {
  const [workload] = generateWorkloads(names, options);
  if (workload === undefined) throw new Error('no workload');
  return workload;
}

function meanStd(values: ArrayLike<number>) {
  const list = Array.from(values);
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  return { mean, std: Math.sqrt(list.reduce((a, b) => a + (b - mean) ** 2, 0) / list.length) };
}

describe('WORKLOAD_SPECS', () => {
  it('counts the research nominal tokens per sample: 512, 256, 4096, 2048, 8192, 4096', () => {
    expect(WORKLOAD_SPECS.map((spec) => [spec.name, spec.nominalTokensPerSample])).toEqual([
      ['fixed_short', 512],
      ['variable_short', 256],
      ['fixed_medium', 4096],
      ['variable_medium', 2048],
      ['fixed_long', 8192],
      ['variable_long', 4096],
    ]);
  });
});

describe('generateWorkloads', () => {
  it('builds the same ids and masks for the same seed, and other ones for another seed', () => {
    const a = only(['variable_short'], { ...BERT, samples: 64 });
    const b = only(['variable_short'], { ...BERT, samples: 64 });
    const c = only(['variable_short'], { ...BERT, samples: 64, seed: 7 });
    expect(b.inputIds).toEqual(a.inputIds);
    expect(b.attentionMask).toEqual(a.attentionMask);
    expect(c.lengths).not.toEqual(a.lengths);
  });

  it('draws variable_short lengths as torch does after manual_seed(42): 256 + 64 × randn, truncated', () => {
    const randn = new TorchCpuGenerator(42).normal(64, 0, 1);
    const expected = Array.from(randn, (z) =>
      Math.min(512, Math.max(16, Math.trunc(Math.fround(256 + 64 * z)))),
    );
    const lengths = Array.from(only(['variable_short'], { ...BERT, samples: 64 }).lengths);
    expect(lengths.slice(0, 4)).toEqual([379, 351, 313, 121]);
    expect(lengths.filter((length, i) => Math.abs(length - expected[i]!) > 1)).toEqual([]);
  });

  it.each([
    ['variable_short', 512, 256, 64],
    ['variable_medium', 4096, 2048, 512],
  ] as const)('%s lengths follow Normal(%i/2, …) clamped to [16, %i]', (name, seqLen, mean, std) => {
    const lengths = workloadLengths(name, 4096);
    const stats = meanStd(lengths);
    expect(Math.abs(stats.mean - mean)).toBeLessThan(0.05 * std);
    expect(Math.abs(stats.std - std)).toBeLessThan(0.05 * std);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(MIN_VARIABLE_LENGTH);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(seqLen);
  });

  it('pads every row after its length with the pad id and masks the padding out', () => {
    const workload = only(['variable_short'], { ...MODERNBERT, samples: 32 });
    const { seqLen } = workload.spec;
    for (let row = 0; row < workload.samples; row++) {
      const length = workload.lengths[row]!;
      const ids = workload.inputIds.subarray(row * seqLen, (row + 1) * seqLen);
      const mask = workload.attentionMask.subarray(row * seqLen, (row + 1) * seqLen);
      expect(ids.subarray(0, length).every((id) => id >= TOKEN_ID_LOW && id < TOKEN_ID_HIGH)).toBe(true);
      expect(ids.subarray(length).every((id) => id === 50283)).toBe(true);
      expect(mask.subarray(0, length).every((m) => m === 1)).toBe(true);
      expect(mask.subarray(length).every((m) => m === 0)).toBe(true);
    }
    expect(workload.realTokens).toBe(workload.lengths.reduce((a, b) => a + b, 0));
  });

  it('fills fixed sets with real tokens only', () => {
    const workload = only(['fixed_short'], { ...BERT, samples: 8 });
    expect(workload.attentionMask.every((m) => m === 1)).toBe(true);
    expect(workload.inputIds.every((id) => id >= TOKEN_ID_LOW && id < TOKEN_ID_HIGH)).toBe(true);
    expect(workload.realTokens).toBe(8 * 512);
  });

  it('gives a set the same ids whether or not the sets before it are requested', () => {
    const options = { ...MODERNBERT, samples: 4 };
    const alone = only(['fixed_medium'], options);
    const all = generateWorkloads(['fixed_short', 'variable_short', 'fixed_medium'], options);
    expect(all.map((w) => w.spec.name)).toEqual(['fixed_short', 'variable_short', 'fixed_medium']);
    expect(all[2]!.inputIds).toEqual(alone.inputIds);
  });

  it('offers medium sets only above max length 512 and long sets only above 4096, as the research does', () => {
    expect(workloadsForMaxLength(512).map((s) => s.name)).toEqual(['fixed_short', 'variable_short']);
    expect(workloadsForMaxLength(4096).map((s) => s.name)).toEqual([
      'fixed_short',
      'variable_short',
      'fixed_medium',
      'variable_medium',
    ]);
    expect(workloadsForMaxLength(8192)).toHaveLength(6);
    expect(generateWorkloads(['fixed_long'], { ...BERT, samples: 2 })).toEqual([]);
  });

  it('rejects an unknown set name with the list of known ones', () => {
    expect(() => generateWorkloads(['fixed_huge'], BERT)).toThrow(UnknownWorkloadError);
    expect(() => generateWorkloads(['fixed_huge'], BERT)).toThrow(
      /Unknown dataset "fixed_huge".*variable_short/,
    );
  });
});

describe('workloadBatch', () => {
  it('returns row views, the last batch holding the remainder', () => {
    const workload = only(['variable_short'], { ...BERT, samples: 10 });
    const last = workloadBatch(workload, 8, 4);
    expect(last.batchSize).toBe(2);
    expect(last.inputIds).toHaveLength(2 * 512);
    expect(last.inputIds[0]).toBe(workload.inputIds[8 * 512]);
  });
});
