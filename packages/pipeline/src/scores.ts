/**
 * Probability helpers of the pipelines, computed in float64 from float32 logits. No Node built-ins: browser
 * bundles reuse them.
 */

/** Softmax over `count` values of `logits` from `start` (max-shifted, as transformers' pipelines do). */
export function softmax(logits: ArrayLike<number>, start = 0, count = logits.length - start): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < count; c++) max = Math.max(max, logits[start + c] as number);
  const out = new Float64Array(count);
  let sum = 0;
  for (let c = 0; c < count; c++) {
    const e = Math.exp((logits[start + c] as number) - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < count; c++) out[c] = (out[c] as number) / sum;
  return out;
}

/** Element-wise logistic sigmoid. */
export function sigmoid(logits: ArrayLike<number>): Float64Array {
  return Float64Array.from(logits, (x) => 1 / (1 + Math.exp(-x)));
}

/**
 * Indices of the `k` largest values, largest first; equal values keep index order (Python's stable
 * `sort(reverse=True)`). `k` larger than the row gives every index.
 */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const n = values.length;
  const take = Math.max(0, Math.min(k, n));
  if (take === 0) return [];
  // Partial selection keeps fill-mask over a 50k vocabulary cheap: one pass, a small sorted list.
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (best.length === take && v <= (values[best[take - 1] as number] as number)) continue;
    let at = best.length;
    while (at > 0 && (values[best[at - 1] as number] as number) < v) at--;
    best.splice(at, 0, i);
    if (best.length > take) best.pop();
  }
  return best;
}
