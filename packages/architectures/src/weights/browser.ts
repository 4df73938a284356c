// Weight formats read from bytes in memory: no file system.
export { CheckpointFormatError, MissingWeightsError, UnsafePickleError } from './errors.js';
export { modernKeyName, renameLegacyKeys } from './legacy-keys.js';
export {
  DEFAULT_SAFETENSORS_METADATA,
  parseSafetensors,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-format.js';
export type { SafetensorsDType, StateDict, WeightTensor } from './state-dict.js';
