import { SplitError, type SplitStage } from './split-error.js';
import { hfTrainTestSplit, sklearnTrainTestSplit, type TrainTestIndices } from './train-test-split.js';

/** How a task cuts its rows into train / validation / test with two `train_test_split` calls. */
export interface SplitRecipe {
  method: 'hf' | 'sklearn';
  seed: number;
  firstTestSize: number;
  secondTestSize: number;
  /**
   * 'test-first': test = split1.test; train / validation = split2.train / split2.test of
   * split1.train (Phenotype: hf 0.2 then 0.125).
   * 'holdout-halves': train = split1.train; validation = split2.train, test = split2.test where
   * split2 splits split1.test (COS, SocialHistory: hf 0.3 then 0.5; DEID: sklearn 0.30 then 0.50).
   */
  layout: 'test-first' | 'holdout-halves';
}

/** Row positions into the dataset as built, each list in output order. */
export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

const twoWaySplits = { hf: hfTrainTestSplit, sklearn: sklearnTrainTestSplit } as const;

function runStage(stage: SplitStage, split: () => TrainTestIndices): TrainTestIndices {
  try {
    return split();
  } catch (error) {
    if (error instanceof SplitError) throw new SplitError(error.message, { stage, cause: error });
    throw error;
  }
}

/** Maps positions inside a part back to positions in the whole dataset. */
function positionsIn(part: number[], local: number[]): number[] {
  return local.map((i) => part[i]!);
}

/**
 * The research code's train / validation / test split: two chained `train_test_split` calls
 * with the same seed, the second applied to one part of the first. A failing call throws a
 * `SplitError` whose `stage` says which.
 */
export function threeWaySplit(n: number, recipe: SplitRecipe): SplitIndices {
  const twoWay = twoWaySplits[recipe.method];
  const first = runStage('split1', () => twoWay(n, recipe.firstTestSize, recipe.seed));
  if (recipe.layout === 'test-first') {
    const second = runStage('split2', () => twoWay(first.train.length, recipe.secondTestSize, recipe.seed));
    return {
      train: positionsIn(first.train, second.train),
      validation: positionsIn(first.train, second.test),
      test: first.test,
    };
  }
  const second = runStage('split2', () => twoWay(first.test.length, recipe.secondTestSize, recipe.seed));
  return {
    train: first.train,
    validation: positionsIn(first.test, second.train),
    test: positionsIn(first.test, second.test),
  };
}
