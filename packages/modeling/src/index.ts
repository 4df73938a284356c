export { selfAttention } from './attention.js';
export { MASK_FILL, paddingMask, slidingWindowMask } from './attention-mask.js';
export {
  BACKEND_ENV_VAR,
  BACKEND_PREFERENCE,
  type BackendInfo,
  type BackendName,
  initBackend,
} from './backend.js';
export {
  type Activation,
  type AttentionType,
  type BertConfig,
  type EncoderConfig,
  type ModelType,
  type ModernBertConfig,
  type ProblemType,
  parseConfig,
  SUPPORTED_ACTIVATIONS,
} from './config.js';
export {
  BackendError,
  ModelConfigError,
  ModelInputError,
  UnsupportedConfigError,
  WeightMismatchError,
} from './errors.js';
export { encoderForwardFlops, gemmGflops, secondsPerCall } from './flops.js';
export { registerGradients } from './gradients.js';
export {
  bceWithLogitsLoss,
  crossEntropyLoss,
  IGNORE_INDEX,
  inferProblemType,
  mseLoss,
  sequenceClassificationLoss,
  tokenCrossEntropyLoss,
} from './losses.js';
export {
  disposeOutput,
  type EncoderModel,
  type ForwardOptions,
  type ModelInputs,
  type ModelOutput,
  TASK_CLASS_SUFFIX,
  type Task,
} from './model.js';
export { BertForTask } from './models/bert.js';
export { ModernBertForTask } from './models/modernbert.js';
export { ParameterSet, type WeightSource } from './nn.js';
export {
  CONFIG_FILE,
  configJson,
  createModel,
  type FromPretrainedOptions,
  fromPretrained,
  type LoadReport,
  type PretrainedModel,
  randomModel,
  readConfig,
  savePretrained,
  stateDictOf,
  taskFromArchitectures,
} from './pretrained.js';
export { applyQkvRope, type QkvRope, qkvRopeTables, ropeAngles, ropeInvFreq } from './rope.js';
export * from './weights/index.js';
