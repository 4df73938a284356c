import { assertNonEmpty, assertSameLength } from './checks.js';
import { MetricsInputError } from './errors.js';
import { assertRowWidth, type LogitRow, MULTILABEL_LOGIT_THRESHOLD, thresholdLogits } from './logits.js';
import {
  averageScores,
  type ClassCounts,
  DEFAULT_ZERO_DIVISION,
  type Scores,
  type ScoreVectors,
  type SetAverage,
  scoresFromCounts,
  type ZeroDivision,
} from './scores.js';

/** A multilabel-indicator matrix: one row per sample, one 0/1 column per label. */
export type IndicatorMatrix = readonly ArrayLike<number>[];

export interface MultilabelOptions {
  zeroDivision?: ZeroDivision;
}

export interface PerColumnScores extends ScoreVectors {
  /** Positives per column in y_true. */
  support: number[];
}

/** What the research code's `compute_metrics_multi_label_classification` returns. */
export interface MultiLabelMetrics {
  weighted_f1: number;
  micro_f1: number;
}

/** Scores of every column of a multilabel-indicator matrix (`average=None`); every column counts. */
export function multilabelPerColumn(
  yTrue: IndicatorMatrix,
  yPred: IndicatorMatrix,
  options: MultilabelOptions = {},
): PerColumnScores {
  const counts = countColumns(yTrue, yPred);
  return {
    ...scoresFromCounts(counts, options.zeroDivision ?? DEFAULT_ZERO_DIVISION),
    support: counts.actual,
  };
}

/** `precision_recall_fscore_support` over multilabel-indicator input, averaged `'micro' | 'macro' | 'weighted'`. */
export function multilabelPrecisionRecallF1(
  yTrue: IndicatorMatrix,
  yPred: IndicatorMatrix,
  options: MultilabelOptions & { average: SetAverage },
): Scores {
  if (!['micro', 'macro', 'weighted'].includes(options.average)) {
    throw new MetricsInputError(
      'invalid-option',
      `average='${String(options.average)}' is not supported for multilabel input`,
      { hint: "Use 'micro', 'macro' or 'weighted' (scikit-learn rejects 'binary' here too)" },
    );
  }
  return averageScores(
    countColumns(yTrue, yPred),
    options.average,
    options.zeroDivision ?? DEFAULT_ZERO_DIVISION,
  );
}

/** `accuracy_score` on multilabel input: the fraction of rows predicted exactly right. */
export function subsetAccuracy(yTrue: IndicatorMatrix, yPred: IndicatorMatrix): number {
  checkIndicatorPair(yTrue, yPred);
  const exact = yTrue.filter((row, r) => Array.from(row).every((v, c) => v === yPred[r]![c])).length;
  return exact / yTrue.length;
}

/**
 * The research code's `compute_metrics_multi_label_classification`: `preds = logits > threshold`
 * (strictly; default 0), then weighted and micro F1 with `zero_division=0`.
 */
export function computeMultiLabelMetrics(
  logits: readonly LogitRow[],
  labels: IndicatorMatrix,
  threshold = MULTILABEL_LOGIT_THRESHOLD,
): MultiLabelMetrics {
  assertSameLength(labels, logits, ['label rows', 'logit rows'], 'computeMultiLabelMetrics');
  const preds = thresholdLogits(logits, threshold);
  return {
    weighted_f1: multilabelPrecisionRecallF1(labels, preds, { average: 'weighted', zeroDivision: 0 }).f1,
    micro_f1: multilabelPrecisionRecallF1(labels, preds, { average: 'micro', zeroDivision: 0 }).f1,
  };
}

function checkIndicatorPair(yTrue: IndicatorMatrix, yPred: IndicatorMatrix): void {
  assertSameLength(yTrue, yPred, ['y_true rows', 'y_pred rows'], 'multilabel metrics');
  assertNonEmpty(yTrue, 'multilabel metrics');
  const width = yTrue[0]!.length;
  if (width === 0) {
    throw new MetricsInputError('empty-input', 'multilabel input has no label columns', {
      hint: 'Pass one column per label',
    });
  }
  assertRowWidth(yTrue, width, 'y_true');
  assertRowWidth(yPred, width, 'y_pred');
  for (const [name, matrix] of [
    ['y_true', yTrue],
    ['y_pred', yPred],
  ] as const) {
    matrix.forEach((row, r) => {
      for (let c = 0; c < row.length; c++) {
        if (row[c] !== 0 && row[c] !== 1) {
          throw new MetricsInputError('invalid-label', `${name}[${r}][${c}] = ${row[c]} is not 0 or 1`, {
            hint: 'Multilabel targets are indicator matrices; threshold scores first (thresholdLogits)',
          });
        }
      }
    });
  }
}

/** Per-column counts, as `multilabel_confusion_matrix` gives them. */
function countColumns(yTrue: IndicatorMatrix, yPred: IndicatorMatrix): ClassCounts {
  checkIndicatorPair(yTrue, yPred);
  const width = yTrue[0]!.length;
  const counts: ClassCounts = {
    truePositives: new Array<number>(width).fill(0),
    predicted: new Array<number>(width).fill(0),
    actual: new Array<number>(width).fill(0),
  };
  yTrue.forEach((row, r) => {
    const pred = yPred[r]!;
    for (let c = 0; c < width; c++) {
      counts.actual[c]! += row[c]!;
      counts.predicted[c]! += pred[c]!;
      counts.truePositives[c]! += row[c]! * pred[c]!;
    }
  });
  return counts;
}
