export * from './browser.js';
export {
  type LoadedWeights,
  loadWeights,
  type WeightsFormat,
} from './load.js';
export { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';
export { readTorchCheckpoint } from './torch-checkpoint.js';
