import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, MissingWeightsError } from './errors.js';
import { renameLegacyKeys } from './legacy-keys.js';
import { loadWeights } from './load.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import type { StateDict } from './state-dict.js';
import { MODELS_DIR, modelFile, withTempDir } from './test-support.js';

/** Splits a state dict in two shards plus the index, as save_pretrained(max_shard_size=...) lays them out. */
async function writeTwoShards(dir: string, dict: StateDict): Promise<Record<string, string>> {
  const names = [...dict.keys()];
  const half = Math.ceil(names.length / 2);
  const weightMap: Record<string, string> = {};
  const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  for (const [index, shard] of shards.entries()) {
    const part = names.slice(index * half, (index + 1) * half);
    await writeSafetensors(join(dir, shard), new Map(part.map((name) => [name, dict.get(name)!])));
    for (const name of part) weightMap[name] = shard;
  }
  return weightMap;
}

describe('loadWeights picks the file from_pretrained would', () => {
  it('prefers model.safetensors when pytorch_model.bin is also there', async () => {
    const loaded = await loadWeights(join(MODELS_DIR, 'tiny-modernbert-mlm'));
    expect(loaded.format).toBe('safetensors');
    expect(loaded.files).toEqual([modelFile('tiny-modernbert-mlm', 'model.safetensors')]);
    expect(loaded.stateDict.has('decoder.weight')).toBe(false);
    expect(loaded.renamedKeys).toEqual([]);
  });

  it.each([
    ['tiny-bert-seqcls', 'pytorch-zip'],
    ['tiny-bert-mlm-legacy', 'pytorch-legacy'],
  ])('falls back to pytorch_model.bin in %s (%s)', async (folder, format) => {
    const loaded = await loadWeights(join(MODELS_DIR, folder));
    expect(loaded.format).toBe(format);
    expect(loaded.files).toEqual([modelFile(folder, 'pytorch_model.bin')]);
  });

  it('assembles sharded safetensors from model.safetensors.index.json, identical to the single file', async () => {
    const single = await readSafetensors(modelFile('tiny-bert-mlm', 'model.safetensors'));
    await withTempDir(async (dir) => {
      const weightMap = await writeTwoShards(dir, single);
      await writeFile(
        join(dir, 'model.safetensors.index.json'),
        JSON.stringify({ metadata: { total_size: 687_000 }, weight_map: weightMap }),
      );
      const loaded = await loadWeights(dir);
      expect(loaded.format).toBe('safetensors-sharded');
      expect(loaded.files).toEqual([
        join(dir, 'model-00001-of-00002.safetensors'),
        join(dir, 'model-00002-of-00002.safetensors'),
      ]);
      expect(loaded.stateDict).toEqual(single);
    });
  });

  it('uses model.safetensors before a shard index in the same folder', async () => {
    await withTempDir(async (dir) => {
      await copyFile(modelFile('tiny-bert-mlm', 'model.safetensors'), join(dir, 'model.safetensors'));
      await writeFile(
        join(dir, 'model.safetensors.index.json'),
        '{"weight_map": {"x": "missing.safetensors"}}',
      );
      expect((await loadWeights(dir)).format).toBe('safetensors');
    });
  });

  it('names every file it looked for when the folder has no weights', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'config.json'), '{}');
      const error = await loadWeights(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingWeightsError);
      expect((error as Error).message).toContain(
        'looked for model.safetensors, model.safetensors.index.json and pytorch_model.bin',
      );
      expect((error as MissingWeightsError).file).toBe(dir);
    });
  });

  it('renames TensorFlow-era LayerNorm gamma/beta like transformers, and reports the renames', async () => {
    await withTempDir(async (dir) => {
      const tensor = { shape: [2], data: new Float32Array([1, 2]) };
      await writeSafetensors(
        join(dir, 'model.safetensors'),
        new Map([
          ['bert.embeddings.LayerNorm.gamma', tensor],
          ['bert.embeddings.LayerNorm.beta', tensor],
        ]),
      );
      const loaded = await loadWeights(dir);
      expect([...loaded.stateDict.keys()].sort()).toEqual([
        'bert.embeddings.LayerNorm.bias',
        'bert.embeddings.LayerNorm.weight',
      ]);
      expect(loaded.renamedKeys).toContainEqual([
        'bert.embeddings.LayerNorm.gamma',
        'bert.embeddings.LayerNorm.weight',
      ]);
    });
  });
});

describe('broken shard indexes give CheckpointFormatError', () => {
  async function loadWithIndex(index: string, shards: StateDict = new Map()): Promise<unknown> {
    return withTempDir(async (dir) => {
      await mkdir(dir, { recursive: true });
      await writeSafetensors(join(dir, 'shard.safetensors'), shards);
      await writeFile(join(dir, 'model.safetensors.index.json'), index);
      return loadWeights(dir).catch((error: unknown) => error);
    });
  }

  it('an index that is not JSON', async () => {
    expect(await loadWithIndex('{"weight_map": ')).toBeInstanceOf(CheckpointFormatError);
  });

  it('an index without weight_map', async () => {
    expect(((await loadWithIndex('{"metadata": {}}')) as Error).message).toMatch(/no weight_map/);
  });

  it('an index pointing outside the model folder', async () => {
    const error = await loadWithIndex('{"weight_map": {"w": "../elsewhere.safetensors"}}');
    expect((error as Error).message).toMatch(/not a file beside the index/);
  });

  it('an index naming a tensor its shard does not hold', async () => {
    const error = await loadWithIndex('{"weight_map": {"w": "shard.safetensors"}}');
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as Error).message).toMatch(/shard.safetensors does not hold "w"/);
  });
});

describe('renameLegacyKeys', () => {
  it('renames only LayerNorm.gamma/beta suffixes, keeping order and tensors', () => {
    const a = { shape: [1], data: new Float32Array([1]) };
    const b = { shape: [1], data: new Float32Array([2]) };
    const renamed = renameLegacyKeys(
      new Map([
        ['encoder.layer.0.output.LayerNorm.gamma', a],
        ['encoder.layer.0.output.LayerNorm.beta', b],
        ['layer_scale.gamma', a],
        ['gamma_beta.LayerNorm.weight', b],
      ]),
    );
    expect([...renamed.keys()]).toEqual([
      'encoder.layer.0.output.LayerNorm.weight',
      'encoder.layer.0.output.LayerNorm.bias',
      'layer_scale.gamma',
      'gamma_beta.LayerNorm.weight',
    ]);
    expect(renamed.get('encoder.layer.0.output.LayerNorm.weight')).toBe(a);
  });
});
