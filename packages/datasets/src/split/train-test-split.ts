import { pythonFloatRepr } from '@bcmb/metrics';
import type { BitGenerator } from './bit-generator.js';
import { Mt19937 } from './mt19937.js';
import { Pcg64 } from './pcg64.js';
import { permutation } from './permutation.js';
import { SplitError } from './split-error.js';

/** Row positions of a two-way split, each list in the order its rows appear. */
export interface TrainTestIndices {
  train: number[];
  test: number[];
}

interface SplitSizes {
  nTrain: number;
  nTest: number;
}

function assertSampleCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new SplitError(`A split needs a non-negative integer number of rows, got ${n}`);
  }
}

/**
 * The size rules datasets 2.21 (`arrow_dataset.py` L4582-4634) and scikit-learn 1.2
 * (`_validate_shuffle_split`) share for a float `test_size` and `train_size=None`:
 * `n_test = ceil(test_size * n)` on IEEE doubles, `n_train = n - n_test`.
 */
function fractionalSplitSizes(n: number, testSize: number): SplitSizes {
  const quoted = pythonFloatRepr(testSize);
  if (!(testSize > 0 && testSize < 1)) {
    throw new SplitError(
      `test_size=${quoted} should be either positive and smaller than the number of samples ${n} ` +
        'or a float in the (0, 1) range',
    );
  }
  const nTest = Math.ceil(testSize * n);
  const nTrain = n - nTest;
  if (nTrain === 0) {
    throw new SplitError(
      `With n_samples=${n}, test_size=${quoted} and train_size=None, the resulting train set will be empty. ` +
        'Adjust any of the aforementioned parameters.',
    );
  }
  return { nTrain, nTest };
}

/** Both libraries: `perm = rng.permutation(n)`, test = `perm[:n_test]`, train = `perm[n_test:n_test+n_train]`. */
function splitByPermutation(
  generator: BitGenerator,
  n: number,
  { nTrain, nTest }: SplitSizes,
): TrainTestIndices {
  const order = permutation(generator, n);
  return { test: order.slice(0, nTest), train: order.slice(nTest, nTest + nTrain) };
}

/**
 * Hugging Face datasets 2.21 `Dataset.train_test_split(test_size, seed=seed)`: row positions of
 * its `train` and `test` parts. An empty dataset yields two empty parts, as in datasets.
 * `testSize` is a fraction in (0, 1); the integer-count form of `test_size` is not offered.
 */
export function hfTrainTestSplit(n: number, testSize: number, seed: number): TrainTestIndices {
  assertSampleCount(n);
  if (n === 0) return { train: [], test: [] };
  const sizes = fractionalSplitSizes(n, testSize);
  return splitByPermutation(Pcg64.fromSeed(seed), n, sizes);
}

/**
 * scikit-learn `train_test_split(range(n), test_size=testSize, random_state=randomState)`
 * (shuffle=True, no stratification): row positions of the train and test parts. Unlike
 * datasets, an empty input raises (its train part would be empty).
 */
export function sklearnTrainTestSplit(n: number, testSize: number, randomState: number): TrainTestIndices {
  assertSampleCount(n);
  const sizes = fractionalSplitSizes(n, testSize);
  return splitByPermutation(new Mt19937(randomState), n, sizes);
}
