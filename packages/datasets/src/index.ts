export * from './browser.js';
export {
  type CacheKey,
  CONTENT_HASH_LIMIT,
  fingerprintRawFiles,
  readProcessedSplits,
  writeProcessedSplits,
} from './cache.js';
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
export { CHEMPROT_LABELS } from './tasks/chemprot.js';
export { COS_LABELS, COS_SPLIT } from './tasks/cos.js';
export { PHENOTYPE_LABELS, PHENOTYPE_SPLIT } from './tasks/phenotype.js';
export { SOCIAL_HISTORY_LABELS, SOCIAL_HISTORY_SPLIT } from './tasks/social-history.js';
export type { AdapterLoadOptions, TaskAdapter } from './types.js';
