export * from './browser.js';
export { type EvaluationOutput, EvaluationSession } from './evaluation-session.js';
export { exportModelDir, saveOnnx } from './export-files.js';
export { ortGemmGflops } from './gemm-probe.js';
export { GraphBuilder } from './graph.js';
export {
  assertCudaProviderInstalled,
  cudaUnavailableError,
  type Device,
  loadOnnxRuntime,
  OnnxSession,
  onnxRuntimeAvailable,
  type SessionOptions,
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
