import { MetricsInputError } from './errors.js';
import { nanAverage } from './numpy-reductions.js';

/**
 * scikit-learn's `zero_division`: the score given where a ratio is 0/0. `'warn'` (scikit-learn's
 * default) scores 0 like `0`; `NaN` leaves the class out of macro/weighted averages.
 */
export type ZeroDivision = 'warn' | 0 | 1 | number;

/** The research code calls scikit-learn with `zero_division=0` everywhere. */
export const DEFAULT_ZERO_DIVISION = 0;

/** Per-class sufficient statistics, as scikit-learn reads them off `multilabel_confusion_matrix`. */
export interface ClassCounts {
  truePositives: number[];
  predicted: number[];
  actual: number[];
}

export interface ScoreVectors {
  precision: number[];
  recall: number[];
  f1: number[];
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

export type SetAverage = 'micro' | 'macro' | 'weighted';

export function zeroDivisionValue(zeroDivision: ZeroDivision): number {
  if (zeroDivision === 'warn') return 0;
  if (zeroDivision === 0 || zeroDivision === 1 || Number.isNaN(zeroDivision)) return zeroDivision;
  throw new MetricsInputError('invalid-option', `zeroDivision=${String(zeroDivision)} is not supported`, {
    hint: "Use 'warn', 0, 1 or NaN, as scikit-learn's zero_division",
  });
}

/** scikit-learn's `_prf_divide`: `numerator / denominator`, or `onZero` where the denominator is 0. */
export function divideOr(numerator: number, denominator: number, onZero: number): number {
  return denominator === 0 ? onZero : numerator / denominator;
}

/**
 * Precision, recall and F1 per class as scikit-learn >= 1.3 computes them: F1 = 2·tp / (actual + predicted),
 * taken from the counts, not from the rounded precision and recall.
 */
export function scoresFromCounts(counts: ClassCounts, zeroDivision: ZeroDivision): ScoreVectors {
  const onZero = zeroDivisionValue(zeroDivision);
  const { truePositives: tp, predicted, actual } = counts;
  return {
    precision: tp.map((t, i) => divideOr(t, predicted[i]!, onZero)),
    recall: tp.map((t, i) => divideOr(t, actual[i]!, onZero)),
    f1: tp.map((t, i) => divideOr(2 * t, actual[i]! + predicted[i]!, onZero)),
  };
}

/** Sums the counts of every class into one (the `average='micro'` pooling). */
export function pooledCounts(counts: ClassCounts): ClassCounts {
  const total = (xs: number[]) => [xs.reduce((s, x) => s + x, 0)];
  return {
    truePositives: total(counts.truePositives),
    predicted: total(counts.predicted),
    actual: total(counts.actual),
  };
}

/** scikit-learn's `average='micro' | 'macro' | 'weighted'` over per-class counts. */
export function averageScores(counts: ClassCounts, average: SetAverage, zeroDivision: ZeroDivision): Scores {
  if (average === 'micro') return averageVectors(scoresFromCounts(pooledCounts(counts), zeroDivision));
  const weights = average === 'weighted' ? counts.actual : undefined;
  return averageVectors(scoresFromCounts(counts, zeroDivision), weights);
}

export function averageVectors(scores: ScoreVectors, weights?: number[]): Scores {
  return {
    precision: nanAverage(scores.precision, weights),
    recall: nanAverage(scores.recall, weights),
    f1: nanAverage(scores.f1, weights),
  };
}
