// numpy's float64 reductions, reproduced so averages agree with scikit-learn to the last bit rather
// than to ~1 ulp (numpy sums pairwise, not left to right).

/** numpy's `PW_BLOCKSIZE` (numpy/_core/src/umath/loops_utils.h.src): below it, 8 running partial sums. */
const PAIRWISE_BLOCK_SIZE = 128;
/** numpy unrolls its pairwise sum by 8 partial sums. */
const PAIRWISE_UNROLL = 8;

/** `np.add.reduce` over a float64 vector: the identity 0.0 plus numpy's pairwise sum. */
export function numpySum(values: ArrayLike<number>): number {
  return 0 + pairwiseSum(values, 0, values.length);
}

function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < PAIRWISE_UNROLL) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  if (n <= PAIRWISE_BLOCK_SIZE) {
    const r = Array.from({ length: PAIRWISE_UNROLL }, (_, j) => a[start + j]!);
    let i = PAIRWISE_UNROLL;
    for (; i < n - (n % PAIRWISE_UNROLL); i += PAIRWISE_UNROLL) {
      for (let j = 0; j < PAIRWISE_UNROLL; j++) r[j]! += a[start + i + j]!;
    }
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) sum += a[start + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % PAIRWISE_UNROLL;
  return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
}

/** `np.mean` of a float64 vector (NaN for an empty one). */
export function numpyMean(values: ArrayLike<number>): number {
  return numpySum(values) / values.length;
}

/**
 * scikit-learn's `_nanaverage` (sklearn/utils/extmath.py): a weighted average that skips NaN entries,
 * and falls back to the plain mean when every weight is zero (`np.average` raises ZeroDivisionError).
 */
export function nanAverage(values: readonly number[], weights?: readonly number[]): number {
  if (values.length === 0 || values.every(Number.isNaN)) return Number.NaN;
  if (weights === undefined) {
    const kept = values.filter((v) => !Number.isNaN(v)).length;
    return numpySum(values.map((v) => (Number.isNaN(v) ? 0 : v))) / kept;
  }
  const keep = values.map((v) => !Number.isNaN(v));
  const a = values.filter((_, i) => keep[i]);
  const w = weights.filter((_, i) => keep[i]);
  const scale = numpySum(w);
  if (scale === 0) return numpyMean(a);
  return numpySum(a.map((v, i) => v * w[i]!)) / scale;
}
