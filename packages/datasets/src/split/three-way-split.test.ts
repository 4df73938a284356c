import { describe, expect, it } from 'vitest';
import type { BitGenerator } from './bit-generator.js';
import { Mt19937 } from './mt19937.js';
import { Pcg64 } from './pcg64.js';
import { permutation } from './permutation.js';
import { SplitError } from './split-error.js';
import { splitCases, stagePermutation } from './test-fixtures.js';
import { type SplitRecipe, threeWaySplit } from './three-way-split.js';
import { hfTrainTestSplit, sklearnTrainTestSplit } from './train-test-split.js';

const recipes: { tasks: string; file: string; recipe: SplitRecipe }[] = [
  {
    tasks: 'Phenotype',
    file: 'hf_phenotype_0.2_then_0.125_seed42.json',
    recipe: { method: 'hf', seed: 42, firstTestSize: 0.2, secondTestSize: 0.125, layout: 'test-first' },
  },
  {
    tasks: 'COS and SocialHistory',
    file: 'hf_cos_socialhistory_0.3_then_0.5_seed42.json',
    recipe: { method: 'hf', seed: 42, firstTestSize: 0.3, secondTestSize: 0.5, layout: 'holdout-halves' },
  },
  {
    tasks: 'DEID',
    file: 'sklearn_deid_0.30_then_0.50_rs42.json',
    recipe: {
      method: 'sklearn',
      seed: 42,
      firstTestSize: 0.3,
      secondTestSize: 0.5,
      layout: 'holdout-halves',
    },
  },
];

describe.each(recipes)('$tasks split ($file)', ({ file, recipe }) => {
  const twoWay = recipe.method === 'hf' ? hfTrainTestSplit : sklearnTrainTestSplit;
  const generator = (): BitGenerator =>
    recipe.method === 'hf' ? Pcg64.fromSeed(recipe.seed) : new Mt19937(recipe.seed);
  const cases = splitCases(file).map((c) => [c.n, c] as const);

  it.each(cases)('reproduces both train_test_split stages for n=%i', (n, c) => {
    const { split1, split2 } = c;
    if (split1 === undefined) return;
    expect(split1.test_size).toBe(recipe.firstTestSize);
    expect(permutation(generator(), n)).toEqual(stagePermutation(split1));
    const first = twoWay(n, recipe.firstTestSize, recipe.seed);
    expect(first).toEqual({ train: split1.train, test: split1.test });
    expect([first.train.length, first.test.length]).toEqual([split1.n_train, split1.n_test]);

    if (split2 === undefined) return;
    expect(split2.test_size).toBe(recipe.secondTestSize);
    const part = recipe.layout === 'test-first' ? first.train : first.test;
    // DEID's file says 'split1.test (temp)': the research code names that part `temp`.
    expect(
      split2.applied_to.startsWith(recipe.layout === 'test-first' ? 'split1.train' : 'split1.test'),
    ).toBe(true);
    expect(permutation(generator(), part.length)).toEqual(stagePermutation(split2));
    const second = twoWay(part.length, recipe.secondTestSize, recipe.seed);
    expect(second).toEqual({ train: split2.train_local, test: split2.test_local });
    expect([second.train.length, second.test.length]).toEqual([split2.n_train, split2.n_test]);
  });

  it.each(cases)('gives the recorded final train/validation/test (or error) for n=%i', (n, c) => {
    if (c.error === undefined) {
      expect(threeWaySplit(n, recipe)).toEqual(c.final);
      return;
    }
    let thrown: unknown;
    try {
      threeWaySplit(n, recipe);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SplitError);
    const splitError = thrown as SplitError;
    expect(splitError.referenceType).toBe(c.error.type);
    expect(splitError.message).toBe(c.error.message);
    expect(splitError.stage).toBe(c.error.stage);
  });
});

describe('threeWaySplit partitions', () => {
  it('uses every row exactly once across train, validation and test', () => {
    for (const { recipe } of recipes) {
      const { train, validation, test } = threeWaySplit(1731, recipe);
      expect([...train, ...validation, ...test].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 1731 }, (_, i) => i),
      );
    }
  });
});
