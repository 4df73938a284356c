export {
  checkpointName,
  type EvalLog,
  latestCheckpoint,
  OPTIMIZER_FILE,
  type RunState,
  STATE_FILE,
  type StepLog,
  TOKENIZER_FILES,
} from './checkpoint.js';
export { clinicalDocuments, splitSections, splitSentences } from './clinical-text.js';
export {
  CLINICALBERT_MDS_COLUMNS,
  type ClinicalBertPrepareOptions,
  encodeInstance,
  prepareClinicalBert,
} from './clinicalbert-data.js';
export {
  CLINICALBERT_DATA_DEFAULTS,
  type CreateDataOptions,
  createTrainingInstances,
  type TrainingInstance,
} from './create-pretraining-data.js';
export {
  clinicalBertSequence,
  evalSequences,
  type PackedLoaderOptions,
  packedMlmBatches,
  readTokenSample,
  sampleOrder,
} from './data.js';
export type {
  EngineOptimizerState,
  EvalResult,
  MlmBatch,
  MlmSequence,
  PretrainEngine,
  PretrainTask,
  TrainStepResult,
} from './engine.js';
export { PretrainConfigError, PretrainDataError, PretrainRunError } from './errors.js';
export { hfCollatorMlmMasking, type MaskedBatch, packerMlmMasking } from './masking.js';
export { NumpyGenerator } from './numpy-random.js';
export { createOnnxEngine, type OnnxEngineOptions } from './onnx-engine.js';
export { type GreedyBestFitOptions, GreedyBestFitPacker, type PackedBatch } from './packer.js';
export {
  chunkNote,
  DEFAULT_CONCAT_TOKENS,
  MDS_COLUMNS,
  mdsOutputDir,
  NOTES_COLUMN,
  type PrepareOptions,
  type PrepareResult,
  type PrepareTokenizer,
  prepareMds,
  prepareTokenizerFrom,
  tokenCountLine,
} from './prepare.js';
export {
  CHECKED_ARCHITECTURE_KEYS,
  describeHonouredKeys,
  KEY_RULES,
  type LoadConfigOptions,
  loadPretrainConfig,
  lrScheduleOf,
  type PretrainConfig,
  pretrainConfigFrom,
} from './pretrain-config.js';
export { PythonRandom } from './python-random.js';
export {
  type EngineFactory,
  METRICS_FILE,
  type PretrainRunOptions,
  type PretrainRunResult,
  runPretraining,
} from './run.js';
export {
  createLrSchedule,
  type LrSchedule,
  SCHEDULER_KEYS,
  SCHEDULER_NAMES,
  type SchedulerName,
} from './schedules.js';
export {
  debiasBeta,
  STABLE_ADAMW_BETAS,
  STABLE_ADAMW_EPS,
  StableAdamW,
  type StableAdamWOptions,
  type StableAdamWState,
  stableAdamWDecayGroups,
} from './stable-adamw.js';
export { createTfjsEngine, type TfjsEngineOptions } from './tfjs-engine.js';
export { formatTime, parseTime, resolveTime, type Time, type Timestamp, type TimeUnit } from './time.js';
export {
  applyOverrides,
  type ConfigTree,
  type ConfigValue,
  configLeaves,
  parseOmegaConfYaml,
  readOmegaConfYaml,
  resolveInterpolations,
} from './yaml-config.js';
