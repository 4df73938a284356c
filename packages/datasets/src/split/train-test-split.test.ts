import { describe, expect, it } from 'vitest';
import { SplitError } from './split-error.js';
import { hfTrainTestSplit, sklearnTrainTestSplit } from './train-test-split.js';

describe('size validation shared by datasets and scikit-learn', () => {
  it.each([
    [hfTrainTestSplit, 'datasets'],
    [sklearnTrainTestSplit, 'scikit-learn'],
  ])('%#: rejects a test_size outside (0, 1) with the %s message', (split) => {
    expect(() => split(10, 1, 42)).toThrow(
      new SplitError(
        'test_size=1.0 should be either positive and smaller than the number of samples 10 or a float in the (0, 1) range',
      ),
    );
    expect(() => split(10, 0, 42)).toThrow(SplitError);
    expect(() => split(10, Number.NaN, 42)).toThrow(SplitError);
  });

  it('returns two empty parts for an empty dataset in datasets, whatever the test size', () => {
    expect(hfTrainTestSplit(0, 0.3, 42)).toEqual({ train: [], test: [] });
  });

  it('raises for an empty dataset in scikit-learn', () => {
    expect(() => sklearnTrainTestSplit(0, 0.5, 42)).toThrow(
      'With n_samples=0, test_size=0.5 and train_size=None, the resulting train set will be empty.',
    );
  });

  it('rounds the test part up from the IEEE double product', () => {
    // 0.07 * 100 is 7.000000000000001 in doubles, so ceil gives 8 test rows, as in Python.
    expect(hfTrainTestSplit(100, 0.07, 42).test).toHaveLength(8);
    expect(sklearnTrainTestSplit(100, 0.07, 42).test).toHaveLength(8);
  });

  it('refuses a row count that is not a non-negative integer', () => {
    expect(() => hfTrainTestSplit(-1, 0.2, 42)).toThrow(SplitError);
    expect(() => sklearnTrainTestSplit(2.5, 0.2, 42)).toThrow(SplitError);
  });
});
