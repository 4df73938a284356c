import { describe, expect, it } from 'vitest';
import { loadCases } from '../test/fixtures.js';
import { nanAverage, numpyMean, numpySum } from './numpy-reductions.js';

interface SumCase {
  n: number;
  sum: number;
  mean: number | null;
}

/** The vectors scripts/numpy-sums.py summed with numpy. */
function vector(n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 3 + 1 / (i + 1));
}

describe('numpy float64 reductions (numpy_sums.json, recorded with numpy)', () => {
  it.each(loadCases<SumCase>('numpy_sums.json').map((c) => [c.n, c] as const))(
    'n=%i: numpySum and numpyMean equal np.sum and np.mean bit for bit',
    (n, c) => {
      expect(numpySum(vector(n))).toBe(c.sum);
      if (c.mean !== null) expect(numpyMean(vector(n))).toBe(c.mean);
    },
  );

  it('is pairwise, so it differs from a left-to-right sum where numpy does', () => {
    const values = vector(1000);
    expect(numpySum(values)).not.toBe(values.reduce((s, v) => s + v, 0));
  });
});

describe("scikit-learn's _nanaverage", () => {
  it('skips NaN entries, weighted or not', () => {
    expect(nanAverage([1, Number.NaN, 3])).toBe(2);
    expect(nanAverage([1, Number.NaN, 3], [1, 5, 3])).toBe(2.5);
  });

  it('is NaN for no values or only NaN, and the plain mean when all weights are 0', () => {
    expect(nanAverage([])).toBeNaN();
    expect(nanAverage([Number.NaN])).toBeNaN();
    expect(nanAverage([1, 2], [0, 0])).toBe(1.5);
  });
});
