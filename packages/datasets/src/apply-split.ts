import { type SplitRecipe, threeWaySplit } from './split/index.js';

/** The examples at `indices`, in that order (HF `select`, sklearn `_safe_indexing`). */
function pick<E>(examples: readonly E[], indices: readonly number[]): E[] {
  return indices.map((i) => examples[i]!);
}

/** Cuts the examples as built into the research code's train / validation / test, row order included. */
export function splitExamples<E>(
  examples: readonly E[],
  recipe: SplitRecipe,
): { train: E[]; validation: E[]; test: E[] } {
  const indices = threeWaySplit(examples.length, recipe);
  return {
    train: pick(examples, indices.train),
    validation: pick(examples, indices.validation),
    test: pick(examples, indices.test),
  };
}
