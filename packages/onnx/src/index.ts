export * from './browser.js';
export { exportModelDir, saveOnnx } from './export-files.js';
export { ortGemmGflops } from './gemm-probe.js';
export {
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
export {
  type FeedTensor,
  type TrainingModel,
  TrainingSession,
  type TrainingSessionOptions,
  type TrainingStepResult,
} from './training/session.js';
export {
  buildTrainingGraph,
  decaysWeight,
  LABELS,
  LOSS,
  type TrainingGraph,
  type TrainingGraphOptions,
  trainingModelOf,
} from './training-graph.js';
