// The pure pieces (tasks, aggregation, windows, scores) and the browser pipeline: @bcmb/pipeline/browser.

export {
  type ModelFiles,
  ModelFilesError,
  modelFilesFromBlobs,
  modelFilesFromUrl,
  type NamedBlob,
} from './browser/model-files.js';
export { type WebPipelineOptions, webPipeline } from './browser/web-pipeline.js';
export { PipelineInputError, PipelineOptionsError } from './errors.js';
export {
  type FillMaskCandidate,
  type FillMaskOptions,
  type FillMaskOutput,
  type FillMaskVocabulary,
  fillMaskCandidates,
} from './fill-mask.js';
export { l2Normalize, type Pooling, poolHidden, weightedMean } from './pooling.js';
export { sigmoid, softmax, topK } from './scores.js';
export { sessionRunner } from './session-runner.js';
export {
  type CallOptions,
  checkModel,
  createPipeline,
  type EncoderRunner,
  type FeatureExtractionOptions,
  type ModelInput,
  modelContext,
  PIPELINE_TASKS,
  type Pipeline,
  type PipelineParts,
  type PipelineTask,
  TASK_HEADS,
  type TaskOptions,
  type TaskOutput,
  type TaskTypes,
  type TextClassificationOptions,
} from './tasks.js';
export {
  type ClassificationFunction,
  type ClassifierLabels,
  classifyLogits,
  defaultClassificationFunction,
  labelOf,
  type TextClassificationLabel,
} from './text-classification.js';
export {
  AGGREGATION_STRATEGIES,
  type AggregationStrategy,
  aggregate,
  aggregateTokens,
  type EntityGroup,
  gatherPreEntities,
  groupEntities,
  type LabelledEntity,
  type PreEntity,
  type ScoredToken,
  type TokenClassificationOptions,
  type TokenClassificationOutput,
  type TokenEntity,
  type TokenVocabulary,
} from './token-classification.js';
export { alignWindows, type WholeSequence, type WindowedText, windowWeights } from './windows.js';
