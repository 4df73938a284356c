// Everything of @bcmb/onnx that runs in a browser: graph building from a config and a state dict in memory, and
// `WebOnnxSession` on onnxruntime-web (wasm, WebGPU where present). The `browser` export condition and
// `@bcmb/onnx/browser`; files, onnxruntime-node and training stay behind the Node entry.
export {
  type BatchingOptions,
  type BatchSession,
  DEFAULT_BATCH_SIZE,
  type PlannedBatch,
  padBatch,
  planBatches,
  runSequences,
  type Sequence,
} from './batching.js';
export { OnnxExportError, OnnxInputError, OnnxRuntimeMissingError } from './errors.js';
export {
  ATTENTION_MASK,
  type ExportedModel,
  type ExportOptions,
  exportEncoder,
  exportRandomEncoder,
  INPUT_IDS,
  LAST_HIDDEN_STATE,
  LOGITS,
  TOKEN_TYPE_IDS,
} from './export.js';
export { type ModelProto, MS_DOMAIN, ONNX_OPSET, parseModel, serializeModel } from './graph.js';
export { type OnnxGraphInputs, OnnxOps, type OnnxOpsOptions, type OnnxValue } from './onnx-ops.js';
export { type QuantizedMatrix, quantizePerChannel } from './quantize.js';
export {
  loadOnnxRuntimeWeb,
  type WebDevice,
  WebOnnxSession,
  type WebSessionOptions,
} from './runtime-web.js';
export type { OutputTensor, TokenBatch } from './token-feeds.js';
export { type ParameterValues, RandomValues, StateDictValues } from './weights.js';
