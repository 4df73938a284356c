export {
  type AggregateRow,
  aggregateCsv,
  aggregateMarkdown,
  aggregateRuns,
  collectRuns,
  type MetricStats,
  parseResearchLog,
  type RunRecord,
} from './aggregate.js';
export {
  CHECKPOINT_FILES,
  CHECKPOINT_PREFIX,
  checkpointName,
  isCompleteCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  loadModelWeights,
  loadOptimizerState,
  OPTIMIZER_STATE_FILE,
  readCheckpointWeights,
  readTrainerState,
  saveCheckpoint,
  TRAINER_STATE_FILE,
  type TrainerState,
} from './checkpoint.js';
export {
  alignWordLabels,
  type Batch,
  batchIndices,
  batchTensors,
  collate,
  collateArrays,
  disposeBatch,
  type EncodedExample,
  type HostBatch,
  type MicroBatch,
  microBatches,
} from './collate.js';
export { DEMO_HYPERPARAMETERS, type DemoAssets, demoAssets } from './demo.js';
export { type EncodeOptions, encodeExamples, type RawExample } from './encode.js';
export {
  type EvaluationBatchResult,
  type MicroStep,
  type MicroStepResult,
  TRAINING_ENGINES,
  type TrainingDevice,
  type TrainingEngine,
  type TrainingEngineName,
} from './engines/engine.js';
export { OnnxTrainingEngine } from './engines/onnx-engine.js';
export {
  createTrainingEngine,
  type EngineChoice,
  type EngineSettings,
  resolveEngine,
} from './engines/select.js';
export { TfjsTrainingEngine } from './engines/tfjs-engine.js';
export { CheckpointError, TrainingError } from './errors.js';
export {
  bestMetricFor,
  type ComputeMetrics,
  type EvalPrediction,
  type EvaluateOptions,
  evaluateModel,
  taskMetrics,
} from './evaluation.js';
export {
  checkFinetuneInputs,
  FinetuneInputError,
  type FinetuneOptions,
  type FinetuneResult,
  finetune,
  formatResearchLog,
  modelBaseName,
  pythonLogLine,
  researchBaseName,
} from './finetune.js';
export type { LogEntry } from './log.js';
export { type LossAndGradients, type LossWeighting, lossAndGradients } from './loss-gradients.js';
export {
  headlineMetric,
  type ModelTaskCell,
  modelTaskCells,
  modelTaskCsv,
  modelTaskMarkdown,
} from './model-task-table.js';
export {
  ADAM_BETA1,
  ADAM_BETA2,
  ADAM_EPSILON,
  AdamW,
  type AdamWMoments,
  type AdamWOptions,
  type AdamWState,
} from './optim/adamw.js';
export { type ClipResult, clipCoefficient, clipGradNorm, globalNorm, MAX_GRAD_NORM } from './optim/clip.js';
export {
  DEFAULT_WEIGHT_DECAY,
  decayParameterNames,
  isLayerNormParameter,
  weightDecayByParameter,
} from './optim/param-groups.js';
export { linearScheduleLr, updatesPerEpoch, warmupSteps } from './schedule.js';
export { type Random, seededRandom, shuffledIndices, withMathRandom, withMathRandomAsync } from './seed.js';
export {
  DEFAULT_TRAINING_ARGUMENTS,
  Trainer,
  type TrainerOptions,
  type TrainingArguments,
  type TrainOutput,
} from './trainer.js';
