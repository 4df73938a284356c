import { assertNonEmpty, assertSameLength } from './checks.js';
import { MetricsInputError } from './errors.js';
import { argmax, assertRowWidth, type LogitRow } from './logits.js';
import { comparePythonStrings } from './python-order.js';
import {
  averageScores,
  averageVectors,
  type ClassCounts,
  DEFAULT_ZERO_DIVISION,
  type Scores,
  type SetAverage,
  scoresFromCounts,
  type ZeroDivision,
} from './scores.js';

/** A class as scikit-learn sees it: an integer id or a string name (one kind per call). */
export type ClassLabel = number | string;

export type Average = SetAverage | 'binary';

export interface PrecisionRecallF1Options {
  /** How to average over classes; scikit-learn's default is `'binary'`. */
  average: Average;
  zeroDivision?: ZeroDivision;
  /** The positive class for `average: 'binary'` (scikit-learn's `pos_label`, default 1). */
  posLabel?: ClassLabel;
}

export interface PerClassScores {
  /** Every class present in y_true or y_pred, sorted: the classes the other arrays are indexed by. */
  labels: ClassLabel[];
  precision: number[];
  recall: number[];
  f1: number[];
  /** How often each class occurs in y_true. */
  support: number[];
}

/** What the research code's `compute_metrics_single_label_classification` returns. */
export interface SingleLabelMetrics {
  accuracy: number;
  weighted_f1: number;
  micro_f1: number;
}

/** scikit-learn's `pos_label` default. */
export const DEFAULT_POS_LABEL = 1;

/** `sklearn.metrics.accuracy_score`: the fraction of exact matches. */
export function accuracy(yTrue: readonly ClassLabel[], yPred: readonly ClassLabel[]): number {
  checkPair(yTrue, yPred, 'accuracy');
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/** `precision_recall_fscore_support(average=None)`: scores for every class in y_true ∪ y_pred. */
export function precisionRecallF1PerClass(
  yTrue: readonly ClassLabel[],
  yPred: readonly ClassLabel[],
  options: { zeroDivision?: ZeroDivision } = {},
): PerClassScores {
  checkPair(yTrue, yPred, 'precisionRecallF1PerClass');
  const labels = presentLabels(yTrue, yPred);
  const counts = countClasses(yTrue, yPred, labels);
  return {
    labels,
    ...scoresFromCounts(counts, options.zeroDivision ?? DEFAULT_ZERO_DIVISION),
    support: counts.actual,
  };
}

/**
 * `precision_recall_fscore_support` / `f1_score` with `average`, as scikit-learn >= 1.3: classes are those
 * present in y_true or y_pred (not a fixed label count), `'weighted'` weighs by support in y_true, and
 * 0/0 ratios score `zeroDivision`.
 */
export function precisionRecallF1(
  yTrue: readonly ClassLabel[],
  yPred: readonly ClassLabel[],
  options: PrecisionRecallF1Options,
): Scores {
  checkPair(yTrue, yPred, 'precisionRecallF1');
  const zeroDivision = options.zeroDivision ?? DEFAULT_ZERO_DIVISION;
  const present = presentLabels(yTrue, yPred);
  if (options.average === 'binary') {
    const posLabel = options.posLabel ?? DEFAULT_POS_LABEL;
    checkBinary(present, posLabel);
    return averageVectors(scoresFromCounts(countClasses(yTrue, yPred, [posLabel]), zeroDivision));
  }
  if (!['micro', 'macro', 'weighted'].includes(options.average)) {
    throw new MetricsInputError('invalid-option', `average='${String(options.average)}' is not supported`, {
      hint: "Use 'micro', 'macro', 'weighted' or 'binary'",
    });
  }
  return averageScores(countClasses(yTrue, yPred, present), options.average, zeroDivision);
}

/**
 * The research code's `compute_metrics_single_label_classification`: argmax over the logits (first
 * maximum on ties, like `np.argmax`), then accuracy and weighted and micro F1 with `zero_division=0`.
 */
export function computeSingleLabelMetrics(
  logits: readonly LogitRow[],
  labels: readonly ClassLabel[],
): SingleLabelMetrics {
  assertSameLength(labels, logits, ['labels', 'logit rows'], 'computeSingleLabelMetrics');
  assertNonEmpty(logits, 'computeSingleLabelMetrics');
  assertRowWidth(logits, logits[0]!.length, 'logits');
  const preds = logits.map((row, i) => argmax(row, `logits[${i}]`));
  return {
    accuracy: accuracy(labels, preds),
    weighted_f1: precisionRecallF1(labels, preds, { average: 'weighted', zeroDivision: 0 }).f1,
    micro_f1: precisionRecallF1(labels, preds, { average: 'micro', zeroDivision: 0 }).f1,
  };
}

function checkPair(yTrue: readonly ClassLabel[], yPred: readonly ClassLabel[], what: string): void {
  assertSameLength(yTrue, yPred, ['y_true labels', 'y_pred labels'], what);
  assertNonEmpty(yTrue, what);
  const kinds = new Set<string>();
  for (const [name, ys] of [
    ['y_true', yTrue],
    ['y_pred', yPred],
  ] as const) {
    ys.forEach((y, i) => {
      if (typeof y === 'number' && !Number.isInteger(y)) {
        throw new MetricsInputError('invalid-label', `${what}: ${name}[${i}] = ${y} is not a class id`, {
          hint: 'Class ids must be integers (pass argmax predictions, not scores)',
        });
      }
      kinds.add(typeof y);
    });
  }
  if (kinds.size > 1) {
    throw new MetricsInputError('invalid-label', `${what}: labels mix numbers and strings`, {
      hint: 'Use one kind of label for y_true and y_pred',
    });
  }
}

/** `sklearn.utils.multiclass.unique_labels`: the sorted union of both label arrays. */
function presentLabels(yTrue: readonly ClassLabel[], yPred: readonly ClassLabel[]): ClassLabel[] {
  return [...new Set([...yTrue, ...yPred])].sort(compareLabels);
}

function compareLabels(a: ClassLabel, b: ClassLabel): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return comparePythonStrings(String(a), String(b));
}

function countClasses(
  yTrue: readonly ClassLabel[],
  yPred: readonly ClassLabel[],
  labels: readonly ClassLabel[],
): ClassCounts {
  const index = new Map(labels.map((label, i) => [label, i]));
  const counts: ClassCounts = {
    truePositives: labels.map(() => 0),
    predicted: labels.map(() => 0),
    actual: labels.map(() => 0),
  };
  yTrue.forEach((t, i) => {
    const p = yPred[i]!;
    const ti = index.get(t);
    const pi = index.get(p);
    if (ti !== undefined) counts.actual[ti]!++;
    if (pi !== undefined) counts.predicted[pi]!++;
    if (ti !== undefined && t === p) counts.truePositives[ti]!++;
  });
  return counts;
}

/** scikit-learn's `_check_set_wise_labels` for `average='binary'`. */
function checkBinary(present: readonly ClassLabel[], posLabel: ClassLabel): void {
  if (present.length > 2) {
    throw new MetricsInputError(
      'invalid-option',
      `average='binary' needs at most 2 classes but y_true ∪ y_pred has ${present.length}`,
      { hint: "Use average 'micro', 'macro' or 'weighted' for multiclass targets" },
    );
  }
  if (present.length === 2 && !present.includes(posLabel)) {
    throw new MetricsInputError(
      'invalid-option',
      `posLabel=${String(posLabel)} is not one of the classes [${present.join(', ')}]`,
      { hint: 'Pass posLabel naming the positive class' },
    );
  }
}
