export {
  type BatchingOptions,
  DEFAULT_BATCH_SIZE,
  type PlannedBatch,
  padBatch,
  planBatches,
  runSequences,
  type Sequence,
} from './batching.js';
export { OnnxExportError, OnnxInputError, OnnxRuntimeMissingError } from './errors.js';
export { type EvaluationOutput, EvaluationSession } from './evaluation-session.js';
export {
  ATTENTION_MASK,
  type ExportedModel,
  type ExportOptions,
  exportEncoder,
  exportModelDir,
  exportRandomEncoder,
  INPUT_IDS,
  LAST_HIDDEN_STATE,
  LOGITS,
  saveOnnx,
  TOKEN_TYPE_IDS,
} from './export.js';
export { ortGemmGflops } from './gemm-probe.js';
export { GraphBuilder, type ModelProto, MS_DOMAIN, ONNX_OPSET, parseModel, serializeModel } from './graph.js';
export { type OnnxGraphInputs, OnnxOps, type OnnxOpsOptions, type OnnxValue } from './onnx-ops.js';
export { type QuantizedMatrix, quantizePerChannel } from './quantize.js';
export {
  assertCudaProviderInstalled,
  cudaUnavailableError,
  type Device,
  loadOnnxRuntime,
  OnnxSession,
  type OutputTensor,
  onnxRuntimeAvailable,
  type SessionOptions,
  type TokenBatch,
} from './runtime.js';
export {
  createOnnxEngine,
  type OnnxEngineOptions,
  type OnnxInferenceEngine,
  type OnnxLoadedModel,
  onnxEngineRegistrations,
} from './speedbench-engine.js';
export { clippedAdamW, type GraphOptimizer } from './training/optimizer.js';
export {
  type FeedTensor,
  type ParameterMoments,
  type StepControl,
  type TrainingModel,
  TrainingSession,
  type TrainingSessionOptions,
  type TrainingStepResult,
} from './training/session.js';
export { type StableAdamWConfig, stableAdamW } from './training/stable-adamw.js';
export {
  buildTrainingGraph,
  decaysWeight,
  LABELS,
  LOSS,
  NEXT_SENTENCE_LABEL,
  type TrainingGraph,
  type TrainingGraphOptions,
  trainingModelOf,
} from './training-graph.js';
export { type ParameterValues, RandomValues, StateDictValues } from './weights.js';
