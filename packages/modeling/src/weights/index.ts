export { CheckpointFormatError, MissingWeightsError, UnsafePickleError } from './errors.js';
export {
  DEFAULT_SAFETENSORS_METADATA,
  readSafetensors,
  readSafetensorsHeader,
  type SafetensorsEntry,
  type SafetensorsHeader,
  writeSafetensors,
} from './safetensors.js';
export type { SafetensorsDType, StateDict, WeightTensor } from './state-dict.js';
