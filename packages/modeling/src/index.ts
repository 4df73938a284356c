export { selfAttention } from './attention.js';
export { paddingMask, slidingWindowMask } from './attention-mask.js';
export {
  BACKEND_ENV_VAR,
  BACKEND_PREFERENCE,
  type BackendInfo,
  type BackendName,
  initBackend,
} from './backend.js';
export { BackendError, ModelInputError } from './errors.js';
export { gemmGflops, secondsPerCall } from './flops.js';
export {
  bceWithLogitsLoss,
  crossEntropyLoss,
  inferProblemType,
  mseLoss,
  sequenceClassificationLoss,
  tokenCrossEntropyLoss,
} from './losses.js';
export {
  disposeOutput,
  EncoderForTask,
  type EncoderModel,
  type ForwardOptions,
  type ModelInputs,
  type ModelOutput,
} from './model.js';
export { ParameterSet, type WeightSource } from './nn.js';
export {
  configJson,
  createModel,
  type FromPretrainedOptions,
  fromPretrained,
  type LoadReport,
  type PretrainedModel,
  randomModel,
  savePretrained,
  stateDictOf,
} from './pretrained.js';
export { registerGradients } from './register-gradients.js';
export { applyQkvRope, type QkvRope, qkvRopeTables } from './rope.js';
export { TfjsOps } from './tfjs-ops.js';
