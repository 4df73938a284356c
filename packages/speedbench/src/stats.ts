/** Mean and population standard deviation (numpy's `np.std` default, ddof = 0), as the research reports. */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/** Thousands of tokens per second. */
export function kiloTokensPerSecond(tokens: number, seconds: number): number {
  return tokens / 1000 / seconds;
}

/** Research: `round(k_tok_per_sec, 2)`. */
export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
