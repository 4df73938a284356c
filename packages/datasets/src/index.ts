export { splitExamples } from './apply-split.js';
export {
  type CacheKey,
  CONTENT_HASH_LIMIT,
  fingerprintRawFiles,
  readProcessedSplits,
  writeProcessedSplits,
} from './cache.js';
export {
  DatasetFormatError,
  MissingRawFileError,
  type RawFileSource,
  TaskRegistrationError,
  UnknownLabelError,
  UnknownTaskError,
} from './errors.js';
export { type CsvRecordsOptions, csvRecords, isPandasNa } from './formats/delimited.js';
export {
  DEFAULT_PROCESSED_ROOT,
  DEFAULT_RAW_ROOT,
  type LoadedTask,
  type LoadTaskOptions,
  loadTask,
} from './load.js';
export {
  type BuiltinTaskExamples,
  type BuiltinTaskName,
  getTask,
  listTasks,
  registerTask,
} from './registry.js';
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
export { CHEMPROT_LABELS } from './tasks/chemprot.js';
export { COS_LABELS, COS_SPLIT } from './tasks/cos.js';
export { DEID_LABELS, DEID_SPLIT, mapDeidMask, processDeidRecord } from './tasks/deid.js';
export { PHENOTYPE_LABELS, PHENOTYPE_SPLIT } from './tasks/phenotype.js';
export { SOCIAL_HISTORY_LABELS, SOCIAL_HISTORY_SPLIT } from './tasks/social-history.js';
export type {
  AdapterLoadOptions,
  DatasetSplits,
  DatasetWarning,
  MultiLabelExample,
  ProblemType,
  SingleLabelExample,
  TaskAdapter,
  TaskExample,
  TokenExample,
} from './types.js';
