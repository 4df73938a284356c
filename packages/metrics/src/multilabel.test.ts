import { describe, expect, it } from 'vitest';
import { averagesByKey, byName, expectCloseTo, loadCases } from '../test/fixtures.js';
import { MetricsInputError } from './errors.js';
import { thresholdLogits } from './logits.js';
import {
  computeMultiLabelMetrics,
  multilabelPerColumn,
  multilabelPrecisionRecallF1,
  subsetAccuracy,
} from './multilabel.js';

interface MultiLabelCase {
  name: string;
  logits: number[][];
  labels: number[][];
  preds_gt0: number[][];
  research_code_output: Record<string, number>;
  expected: Record<string, unknown>;
}

const cases = loadCases<MultiLabelCase>('multi_label.json');

describe('multi-label metrics against scikit-learn >= 1.3 (multi_label.json)', () => {
  it('has the 18 recorded cases', () => {
    expect(cases).toHaveLength(18);
  });

  it.each(byName(cases))('%s: predictions are logits > 0, strictly', (_, c) => {
    expect(thresholdLogits(c.logits)).toEqual(c.preds_gt0);
  });

  it.each(byName(cases))(
    '%s: computeMultiLabelMetrics returns what compute_metrics_multi_label_classification returned',
    (_, c) => {
      expectCloseTo(computeMultiLabelMetrics(c.logits, c.labels), c.research_code_output);
    },
  );

  it.each(byName(cases))(
    '%s: weighted/micro/macro P/R/F1, per-column scores and subset accuracy match',
    (_, c) => {
      const preds = thresholdLogits(c.logits);
      const actual = {
        ...averagesByKey((average) =>
          multilabelPrecisionRecallF1(c.labels, preds, { average, zeroDivision: 0 }),
        ),
        per_column: multilabelPerColumn(c.labels, preds, { zeroDivision: 0 }),
        subset_accuracy: subsetAccuracy(c.labels, preds),
      };
      expectCloseTo(actual, c.expected);
    },
  );
});

describe('multi-label semantics beyond the fixtures', () => {
  it('uses the plain mean for weighted scores when no column has a positive (scikit-learn _nanaverage)', () => {
    const labels = [
      [0, 0],
      [0, 0],
    ];
    const preds = [
      [1, 0],
      [0, 0],
    ];
    // column 0: precision 0/1 = 0; column 1: 0/0 -> zero_division 1. All weights are 0.
    expect(multilabelPrecisionRecallF1(labels, preds, { average: 'weighted', zeroDivision: 1 })).toEqual({
      precision: 0.5,
      recall: 1,
      f1: 0.5,
    });
  });

  it('takes a custom threshold, still strict', () => {
    expect(thresholdLogits([[0.5, 0.6, 0.4]], 0.5)).toEqual([[0, 1, 0]]);
  });

  it('throws typed errors for NaN logits, ragged rows, non-0/1 targets and row-count mismatches', () => {
    expect(() => computeMultiLabelMetrics([[0, Number.NaN]], [[0, 1]])).toThrow(/logits\[0\]\[1\] is NaN/);
    expect(() =>
      computeMultiLabelMetrics(
        [[1, 1]],
        [
          [0, 1],
          [1, 1],
        ],
      ),
    ).toThrow(MetricsInputError);
    expect(() =>
      multilabelPerColumn(
        [[0, 1], [1]],
        [
          [0, 1],
          [1, 0],
        ],
      ),
    ).toThrow(/y_true\[1\] has 1 entries/);
    expect(() => multilabelPerColumn([[0, 2]], [[0, 1]])).toThrow(/y_true\[0\]\[1\] = 2 is not 0 or 1/);
    expect(() => subsetAccuracy([], [])).toThrow(/no samples/);
  });
});
