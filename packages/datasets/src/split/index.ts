export type { BitGenerator } from './bit-generator.js';
export { Mt19937 } from './mt19937.js';
export { Pcg64 } from './pcg64.js';
export { Pcg64Dxsm } from './pcg64-dxsm.js';
export { permutation, randomInterval } from './permutation.js';
export { SeedSequence } from './seed-sequence.js';
export { SplitError, type SplitErrorOptions, type SplitStage } from './split-error.js';
export { type SplitIndices, type SplitRecipe, threeWaySplit } from './three-way-split.js';
export { hfTrainTestSplit, sklearnTrainTestSplit, type TrainTestIndices } from './train-test-split.js';
