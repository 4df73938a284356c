// Everything of @bcmb/architectures that needs no file system: the `browser` export condition and
// `@bcmb/architectures/browser`. Weights come in as bytes (`parseSafetensors`), configs as text (`parseConfigText`).
export {
  type Activation,
  ConfigReader,
  defaultId2Label,
  type EncoderConfigBase,
  SUPPORTED_ACTIVATIONS,
} from './config-reader.js';
export { ModelConfigError, UnsupportedConfigError, WeightMismatchError } from './errors.js';
export { type BertConfig, bert } from './families/bert.js';
export { type AttentionType, type ModernBertConfig, modernBert } from './families/modernbert.js';
export {
  attendedPairs,
  backbonePrefix,
  type Family,
  type Init,
  type ParameterRole,
  type ParameterSpec,
} from './family.js';
export { MASK_FILL } from './mask.js';
export * from './model-files.js';
export {
  type AttentionSpec,
  type AttentionWindow,
  attentionKey,
  type EmbeddingIds,
  type EncoderBlock,
  type EncoderOps,
  type ForwardResult,
  type Pooling,
  type Projection,
  type QkvProjections,
} from './ops.js';
export {
  className,
  type EncoderConfig,
  encoderForwardFlops,
  FAMILIES,
  familyOf,
  type ModelType,
  parseConfig,
  parseConfigText,
  taskFromArchitectures,
} from './registry.js';
export { ropeInvFreq, ropeTables } from './rope.js';
export { type ConfigProblemType, TASK_CLASS_SUFFIX, type Task, taskFromArchitecture } from './task.js';
export * from './weights/browser.js';
