import { describe, expect, it } from 'vitest';
import { byName, expectCloseTo, loadCases } from '../test/fixtures.js';
import { MetricsInputError } from './errors.js';
import { alignTokenPredictions, computeTokenClassificationMetrics } from './token-classification.js';

interface TokenCase {
  name: string;
  logits: number[][][];
  labels: number[][];
  id2label: Record<string, string>;
  aligned_predictions: string[][];
  aligned_references: string[][];
  expected:
    | { precision: number; recall: number; f1: number; accuracy: number }
    | { error: { type: string; message: string } };
}

const cases = loadCases<TokenCase>('token_classification_e2e.json');

describe('token classification end to end (token_classification_e2e.json)', () => {
  it('has the 4 recorded cases', () => {
    expect(cases).toHaveLength(4);
  });

  it.each(byName(cases))(
    '%s: drops -100 positions and maps argmax ids through id2label like the research code',
    (_, c) => {
      expect(alignTokenPredictions(c.logits, c.labels, c.id2label)).toEqual({
        predictions: c.aligned_predictions,
        references: c.aligned_references,
      });
    },
  );

  it.each(byName(cases))(
    '%s: returns compute_metrics_token_classification four numbers (or its error)',
    (_, c) => {
      const run = () => computeTokenClassificationMetrics(c.logits, c.labels, c.id2label);
      if ('error' in c.expected) {
        expect(c.expected.error.type).toBe('ZeroDivisionError');
        expect(run).toThrow(MetricsInputError);
        expect(run).toThrow(/seqeval accuracy is undefined/);
      } else {
        expectCloseTo(run(), c.expected);
      }
    },
  );
});

describe('token classification input checks', () => {
  const id2label = ['O', 'B-X', 'I-X'];
  const row = [0.1, 0.9, 0];

  it('accepts id2label as an array and typed-array logits', () => {
    const logits = [[Float32Array.from(row), Float32Array.from([1, 0, 0])]];
    expect(alignTokenPredictions(logits, [[1, 0]], id2label)).toEqual({
      predictions: [['B-X', 'O']],
      references: [['B-X', 'O']],
    });
  });

  it('throws typed errors for unknown label ids, NaN logits and shape mismatches', () => {
    expect(() => computeTokenClassificationMetrics([[row]], [[7]], id2label)).toThrow(
      /labels\[0\]\[0\] = 7 is not a key of id2label/,
    );
    expect(() => computeTokenClassificationMetrics([[[0, 0, 0, 5]]], [[0]], id2label)).toThrow(
      /argmax of logits\[0\]\[0\] = 3 is not a key/,
    );
    expect(() => computeTokenClassificationMetrics([[[0, Number.NaN, 0]]], [[0]], id2label)).toThrow(/NaN/);
    expect(() => computeTokenClassificationMetrics([[row]], [[0, 0]], id2label)).toThrow(
      /2 labels but 1 logit rows/,
    );
    expect(() => computeTokenClassificationMetrics([[row]], [[0], [0]], id2label)).toThrow(
      /2 label sequences but 1 logit sequences/,
    );
  });

  it('ignores NaN logits at -100 positions, whose argmax the research code never reads', () => {
    const logits = [[row, [Number.NaN, 0, 0]]];
    expect(computeTokenClassificationMetrics(logits, [[1, -100]], id2label).f1).toBe(1);
  });
});
