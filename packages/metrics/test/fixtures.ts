import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Reference values are compared within this absolute tolerance (numpy's pairwise sums differ by ~1 ulp). */
export const REFERENCE_TOLERANCE = 1e-12;

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** Reads one of the reference JSON files copied from shared/fixtures/reference/metrics/. */
export function loadCases<T>(file: string): T[] {
  return (JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as { cases: T[] }).cases;
}

/** Every numeric leaf of `expected` matches `actual` within {@link REFERENCE_TOLERANCE}. */
export function expectCloseTo(actual: unknown, expected: unknown, path = 'value'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(Math.abs((actual as number) - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
      REFERENCE_TOLERANCE,
    );
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    for (const [i, e] of expected.entries()) expectCloseTo((actual as unknown[])[i], e, `${path}[${i}]`);
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const [key, e] of Object.entries(expected)) {
      expectCloseTo((actual as Record<string, unknown>)[key], e, `${path}.${key}`);
    }
  } else {
    expect(actual, path).toEqual(expected);
  }
}

/** `[name, case]` rows for `it.each`, so each case reports under its fixture name. */
export function byName<T extends { name: string }>(cases: readonly T[]): (readonly [string, T])[] {
  return cases.map((c) => [c.name, c] as const);
}

/** Scores under the fixtures' keys: `weighted_f1`, `micro_precision`, `macro_recall`, … */
export function averagesByKey(
  score: (average: 'weighted' | 'micro' | 'macro') => { precision: number; recall: number; f1: number },
): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const average of ['weighted', 'micro', 'macro'] as const) {
    const { precision, recall, f1 } = score(average);
    Object.assign(flat, {
      [`${average}_f1`]: f1,
      [`${average}_precision`]: precision,
      [`${average}_recall`]: recall,
    });
  }
  return flat;
}
