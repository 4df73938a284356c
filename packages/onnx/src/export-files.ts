import { loadWeights, readConfig } from '@bcmb/architectures';
import { writeFileAtomic } from '@bcmb/core';
import { type ExportedModel, type ExportOptions, exportEncoder } from './export.js';
import { type ModelProto, serializeModel } from './graph.js';

/** Reads `<dir>/config.json` and the weights (safetensors or pytorch_model.bin) and exports them. */
export async function exportModelDir(dir: string, options: ExportOptions = {}): Promise<ExportedModel> {
  const config = await readConfig(dir);
  const { stateDict } = await loadWeights(dir);
  return exportEncoder(config, stateDict, options);
}

/** Writes the model as a `.onnx` file (atomically: nothing half-written on failure). */
export async function saveOnnx(model: ExportedModel | ModelProto, path: string): Promise<void> {
  const proto = 'proto' in model ? model.proto : model;
  await writeFileAtomic(path, serializeModel(proto));
}
