import { describe, expect, it } from 'vitest';
import { averagesByKey, byName, expectCloseTo, loadCases } from '../test/fixtures.js';
import {
  accuracy,
  computeSingleLabelMetrics,
  precisionRecallF1,
  precisionRecallF1PerClass,
} from './classification.js';
import { MetricsInputError } from './errors.js';

interface SingleLabelCase {
  name: string;
  logits: number[][];
  labels: number[];
  preds_argmax: number[];
  research_code_output: Record<string, number>;
  expected: Record<string, number> & {
    per_class: { labels: number[]; precision: number[]; recall: number[]; f1: number[]; support: number[] };
  };
}

const cases = loadCases<SingleLabelCase>('single_label.json');

describe('single-label metrics against scikit-learn (single_label.json)', () => {
  it('has the 35 recorded cases', () => {
    expect(cases).toHaveLength(35);
  });

  it.each(byName(cases))(
    '%s: computeSingleLabelMetrics returns exactly what compute_metrics_single_label_classification returned',
    (_, c) => {
      expectCloseTo(computeSingleLabelMetrics(c.logits, c.labels), c.research_code_output);
    },
  );

  it.each(byName(cases))(
    '%s: accuracy, micro/macro/weighted P/R/F1 and per-class scores match sklearn (zero_division=0)',
    (_, c) => {
      const preds = c.preds_argmax;
      const actual = {
        accuracy: accuracy(c.labels, preds),
        ...averagesByKey((average) => precisionRecallF1(c.labels, preds, { average, zeroDivision: 0 })),
        per_class: precisionRecallF1PerClass(c.labels, preds, { zeroDivision: 0 }),
      };
      expectCloseTo(actual, c.expected);
    },
  );
});

describe('scikit-learn semantics beyond the fixtures', () => {
  it('averages over the classes present in y_true ∪ y_pred, a class seen only in predictions included', () => {
    // class 2 only predicted: precision 0, recall 0/0 -> zero_division
    const yTrue = [0, 0, 1, 1];
    const yPred = [0, 2, 1, 1];
    expect(precisionRecallF1PerClass(yTrue, yPred).labels).toEqual([0, 1, 2]);
    expect(precisionRecallF1(yTrue, yPred, { average: 'macro' }).recall).toBeCloseTo((0.5 + 1 + 0) / 3, 15);
    expect(precisionRecallF1(yTrue, yPred, { average: 'macro', zeroDivision: 1 }).recall).toBeCloseTo(
      (0.5 + 1 + 1) / 3,
      15,
    );
  });

  it('leaves NaN zero-division classes out of macro averages, as _nanaverage does', () => {
    const s = precisionRecallF1([0, 0, 1, 1], [0, 2, 1, 1], { average: 'macro', zeroDivision: Number.NaN });
    expect(s.recall).toBeCloseTo((0.5 + 1) / 2, 15);
  });

  it("scores average='binary' on pos_label 1 and rejects it for multiclass targets", () => {
    expect(precisionRecallF1([0, 1, 1, 0], [0, 1, 0, 1], { average: 'binary' })).toEqual({
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
    });
    expect(precisionRecallF1([0, 0], [0, 0], { average: 'binary' })).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
    });
    expect(() => precisionRecallF1([0, 1, 2], [0, 1, 2], { average: 'binary' })).toThrow(/at most 2 classes/);
    expect(() => precisionRecallF1(['a', 'b'], ['a', 'b'], { average: 'binary' })).toThrow(/posLabel=1/);
  });

  it('sorts string labels in Python order', () => {
    expect(precisionRecallF1PerClass(['b', 'a', 'é'], ['Z', 'a', 'b']).labels).toEqual(['Z', 'a', 'b', 'é']);
  });

  it('throws typed errors for mismatched lengths, empty input, NaN logits and non-integer labels', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(MetricsInputError);
    expect(() => accuracy([], [])).toThrow(/no samples/);
    expect(() => computeSingleLabelMetrics([[0, Number.NaN]], [1])).toThrow(/logits\[0\]\[1\] is NaN/);
    expect(() => computeSingleLabelMetrics([[0, 1]], [0, 1])).toThrow(/2 labels but 1 logit rows/);
    expect(() => precisionRecallF1([0.5], [1], { average: 'micro' })).toThrow(/not a class id/);
    expect(() => precisionRecallF1([0], [1], { average: 'samples' as 'micro' })).toThrow(/average='samples'/);
  });
});
