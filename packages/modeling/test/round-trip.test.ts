import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWeights, readSafetensorsHeader } from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeOutput, fromPretrained, initBackend, savePretrained } from '../src/index.js';
import { MODELS_DIR, reference, referenceInputs } from './reference.js';

const quiet = { onWarning: () => undefined };
const FOLDERS = [
  'tiny-bert-mlm',
  'tiny-bert-seqcls',
  'tiny-bert-seqcls-multilabel',
  'tiny-bert-tokcls',
  'tiny-modernbert-mlm',
  'tiny-modernbert-seqcls',
  'tiny-modernbert-seqcls-multilabel',
  'tiny-modernbert-tokcls',
];
/** Aliases of tied weights that pytorch_model.bin holds and safetensors leaves out. */
const TIED_ALIASES = new Set([
  'cls.predictions.decoder.weight',
  'cls.predictions.decoder.bias',
  'decoder.weight',
]);

let workDir: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu', onReport: () => undefined });
  workDir = await mkdtemp(join(tmpdir(), 'bcmb-roundtrip-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe.each(FOLDERS)('%s: load → savePretrained → load', (folder) => {
  it('writes the tensor names and shapes of the fixture, as F32 with metadata {"format": "pt"}', async () => {
    const model = await fromPretrained(MODELS_DIR + folder, quiet);
    const out = join(workDir, folder);
    await savePretrained(model, out);
    model.dispose();
    const header = await readSafetensorsHeader(join(out, 'model.safetensors'));
    expect(header.metadata).toEqual({ format: 'pt' });
    const describe = (tensors: Iterable<[string, { dtype: string; shape: number[] }]>) =>
      Object.fromEntries([...tensors].map(([name, { dtype, shape }]) => [name, { dtype, shape }]));
    const saved = describe(header.tensors);
    const fixtureFile = join(MODELS_DIR, folder, 'model.safetensors');
    if (existsSync(fixtureFile)) {
      // Same names, shapes and dtypes, and the same order in the file.
      const fixture = await readSafetensorsHeader(fixtureFile);
      expect(saved).toEqual(describe(fixture.tensors));
      expect([...header.tensors.keys()]).toEqual([...fixture.tensors.keys()]);
    } else {
      // Only pytorch_model.bin: its tensors minus the tied aliases safetensors cannot hold, all float32.
      const original = await loadWeights(MODELS_DIR + folder);
      const fromBin = [...original.stateDict]
        .filter(([name]) => !TIED_ALIASES.has(name))
        .map(([name, tensor]): [string, { dtype: string; shape: number[] }] => [
          name,
          { dtype: 'F32', shape: tensor.shape },
        ]);
      expect(saved).toEqual(describe(fromBin));
    }
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    const fixtureConfig = JSON.parse(await readFile(join(MODELS_DIR, folder, 'config.json'), 'utf8'));
    expect(config).toEqual(fixtureConfig);
  });

  it('reloads identical weights and identical outputs', async () => {
    const first = await fromPretrained(MODELS_DIR + folder, quiet);
    const out = join(workDir, `${folder}-reload`);
    await savePretrained(first, out);
    const second = await fromPretrained(out, quiet);
    expect(second.loadReport.missing).toEqual([]);
    expect(second.loadReport.unexpected).toEqual([]);
    const a = first.parameters();
    const b = second.parameters();
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, variable] of a) {
      expect(Array.from(b.get(name)!.dataSync()), name).toEqual(Array.from(variable.dataSync()));
    }
    const family = folder.includes('modernbert') ? 'modernbert' : 'bert';
    const inputs = referenceInputs(reference(`${family}_forward`).inputs.batch_a);
    const x = first.forward(inputs);
    const y = second.forward(inputs);
    expect(Array.from(y.lastHiddenState.dataSync())).toEqual(Array.from(x.lastHiddenState.dataSync()));
    if (x.logits) expect(Array.from(y.logits!.dataSync())).toEqual(Array.from(x.logits.dataSync()));
    disposeOutput(x);
    disposeOutput(y);
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== undefined));
    first.dispose();
    second.dispose();
  });
});
