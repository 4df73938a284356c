import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineFactory, EngineRegistration, InferenceEngine } from '@bcmb/speedbench';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxRuntimeAvailable } from './runtime.js';
import { createOnnxEngine, onnxEngineRegistrations } from './speedbench-engine.js';
import { modelDir } from './testing/fixtures.js';

const runtime = await onnxRuntimeAvailable();
const configOnly = mkdtempSync(join(tmpdir(), 'bcmb-onnx-engine-'));
copyFileSync(join(modelDir('tiny-modernbert-mlm'), 'config.json'), join(configOnly, 'config.json'));
afterAll(() => rmSync(configOnly, { recursive: true, force: true }));

describe('speedbench integration', () => {
  it('offers registrations @bcmb/speedbench accepts, naming this module and its factory', async () => {
    const registrations: EngineRegistration[] = onnxEngineRegistrations();
    expect(registrations.map((r) => [r.name, r.family, r.factory])).toEqual([
      ['onnx-cpu', 'onnx', 'createOnnxEngine'],
      ['onnx-cpu-int8', 'onnx', 'createOnnxEngine'],
    ]);
    const module = (await import(registrations[0]?.module as string)) as Record<string, EngineFactory>;
    expect(module['createOnnxEngine']).toBe(createOnnxEngine);
  });

  it.skipIf(runtime !== true)(
    'runs a checkpoint, and a config-only directory with random weights',
    async () => {
      const engine: InferenceEngine = await createOnnxEngine();
      const batch = {
        inputIds: new Int32Array([5, 6, 7, 8]),
        attentionMask: new Int32Array([1, 1, 1, 0]),
        batchSize: 2,
        seqLen: 2,
      };
      for (const [dir, random] of [
        [modelDir('tiny-bert-seqcls'), false],
        [configOnly, true],
      ] as const) {
        const loaded = await engine.load(dir);
        expect(loaded.randomWeights).toBe(random);
        expect(loaded.maxLength).toBe(512);
        await expect(loaded.run(batch)).resolves.toBeUndefined();
        await loaded.dispose();
      }
    },
  );
});
