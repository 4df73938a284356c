import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PYTORCH_WEIGHTS_FILE, SAFETENSORS_INDEX_FILE, SAFETENSORS_WEIGHTS_FILE } from '../model-files.js';
import { CheckpointFormatError, MissingWeightsError } from './errors.js';
import { modernKeyName } from './legacy-keys.js';
import { readSafetensors } from './safetensors.js';
import type { StateDict } from './state-dict.js';
import { readTorchCheckpointWithFormat } from './torch-checkpoint.js';

export type WeightsFormat = 'safetensors' | 'safetensors-sharded' | 'pytorch-zip' | 'pytorch-legacy';

export interface LoadedWeights {
  /** Weights under their modern `transformers` names (see `renameLegacyKeys`). */
  stateDict: StateDict;
  format: WeightsFormat;
  /** Absolute paths of the files read, in reading order. */
  files: string[];
  /** Keys renamed from TensorFlow-era names, `[inFile, inStateDict]`; `transformers` logs these as a warning. */
  renamedKeys: [string, string][];
}

/**
 * Reads the weights of a Hugging Face model directory, choosing the file as `from_pretrained` does:
 * `model.safetensors`, else the sharded `model.safetensors.index.json`, else `pytorch_model.bin` (zip or legacy).
 */
export async function loadWeights(modelDir: string): Promise<LoadedWeights> {
  const single = join(modelDir, SAFETENSORS_WEIGHTS_FILE);
  if (await isFile(single)) return withModernKeys(await readSafetensors(single), 'safetensors', [single]);
  const index = join(modelDir, SAFETENSORS_INDEX_FILE);
  if (await isFile(index)) return loadSharded(modelDir, index);
  const bin = join(modelDir, PYTORCH_WEIGHTS_FILE);
  if (await isFile(bin)) {
    const { stateDict, format } = await readTorchCheckpointWithFormat(bin);
    return withModernKeys(stateDict, format, [bin]);
  }
  throw new MissingWeightsError(
    `no weights found: looked for ${SAFETENSORS_WEIGHTS_FILE}, ${SAFETENSORS_INDEX_FILE} and ${PYTORCH_WEIGHTS_FILE}`,
    {
      file: modelDir,
      hint: 'Point to a folder written by save_pretrained; TensorFlow (tf_model.h5) and Flax weights are not read',
    },
  );
}

function withModernKeys(dict: StateDict, format: WeightsFormat, files: string[]): LoadedWeights {
  const stateDict: StateDict = new Map();
  const renamedKeys: [string, string][] = [];
  for (const [key, tensor] of dict) {
    const modern = modernKeyName(key);
    if (modern !== key) renamedKeys.push([key, modern]);
    stateDict.set(modern, tensor);
  }
  return { stateDict, format, files, renamedKeys };
}

/** `{"metadata": {...}, "weight_map": {"<tensor>": "<shard file>"}}`, as `save_pretrained` writes it. */
async function loadSharded(modelDir: string, indexPath: string): Promise<LoadedWeights> {
  const weightMap = await readWeightMap(indexPath);
  // transformers reads the shards in sorted file order.
  const shards = [...new Set(weightMap.values())].sort();
  const byShard = new Map<string, StateDict>();
  const files: string[] = [];
  for (const shard of shards) {
    const path = join(modelDir, shard);
    byShard.set(shard, await readSafetensors(path));
    files.push(path);
  }
  const dict: StateDict = new Map();
  for (const [name, shard] of weightMap) {
    const tensor = byShard.get(shard)!.get(name);
    if (tensor === undefined) {
      throw new CheckpointFormatError(
        `shard ${shard} does not hold "${name}", which the index assigns to it`,
        {
          file: indexPath,
          hint: 'The index and its shards come from different saves; download the model again',
        },
      );
    }
    dict.set(name, tensor);
  }
  return withModernKeys(dict, 'safetensors-sharded', files);
}

async function readWeightMap(indexPath: string): Promise<Map<string, string>> {
  const fail = (what: string, cause?: unknown) =>
    new CheckpointFormatError(what, {
      file: indexPath,
      hint: 'Expected {"weight_map": {"<tensor name>": "<shard>.safetensors"}} as save_pretrained writes it',
      cause,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (cause) {
    throw fail(`shard index is not valid JSON: ${(cause as Error).message}`, cause);
  }
  const weightMap = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw fail('shard index has no weight_map object');
  }
  const entries = Object.entries(weightMap);
  for (const [name, shard] of entries) {
    // A shard must sit beside the index: no directories, so an index cannot point outside the model folder.
    if (typeof shard !== 'string' || shard !== basename(shard) || shard === '..' || shard === '.') {
      throw fail(`weight_map entry "${name}" names ${JSON.stringify(shard)}, not a file beside the index`);
    }
  }
  return new Map(entries as [string, string][]);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
