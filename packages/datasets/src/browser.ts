// @bcmb/datasets without a file system (`@bcmb/datasets/browser` and the `browser` export condition): the
// research splits (numpy-exact RNGs) and the DEID task from the contents of id.text and id.res (strings or Blobs).
// Tasks read from folders, the processed-split cache and CSV streaming stay behind the Node entry.
export { splitExamples } from './apply-split.js';
export {
  DatasetFormatError,
  MissingRawFileError,
  type RawFileSource,
  TaskRegistrationError,
  UnknownLabelError,
  UnknownTaskError,
} from './errors.js';
export { type DeidRecord, parseDeidRecords } from './formats/deid-records.js';
export { decodePythonText, universalNewlines } from './python-text.js';
export {
  type BitGenerator,
  hfTrainTestSplit,
  Mt19937,
  Pcg64,
  Pcg64Dxsm,
  permutation,
  SplitError,
  type SplitIndices,
  type SplitRecipe,
  sklearnTrainTestSplit,
  threeWaySplit,
} from './split/index.js';
export {
  DEID_LABELS,
  DEID_SPLIT,
  type DeidCategory,
  deidSplitsFromBlobs,
  deidSplitsFromText,
  mapDeidMask,
  processDeidRecord,
} from './tasks/deid-text.js';
export type {
  DatasetSplits,
  DatasetWarning,
  MultiLabelExample,
  ProblemType,
  SingleLabelExample,
  TaskExample,
  TokenExample,
} from './types.js';
