export { CheckpointFormatError, MissingWeightsError, UnsafePickleError } from './errors.js';
export { modernKeyName, renameLegacyKeys } from './legacy-keys.js';
export {
  type LoadedWeights,
  loadWeights,
  type WeightsFormat,
} from './load.js';
export {
  DEFAULT_SAFETENSORS_METADATA,
  readSafetensors,
  readSafetensorsHeader,
  type SafetensorsEntry,
  type SafetensorsHeader,
  writeSafetensors,
} from './safetensors.js';
export type { SafetensorsDType, StateDict, WeightTensor } from './state-dict.js';
export { readTorchCheckpoint } from './torch-checkpoint.js';
