import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildJob } from './child-protocol.js';
import { registerEngine, registeredEngines } from './engine-registry.js';
import { BenchmarkRunError, ModelLoadError } from './errors.js';
import { runChild } from './isolated.js';
import { readModelInfo } from './model-info.js';
import { researchResults, writeSpeedReport } from './report.js';
import { benchmarkModel } from './runner.js';
import type { SimulatedEngineOptions } from './testing/simulated-engine.js';

const SIMULATED_MODULE = new URL('./testing/simulated-engine.ts', import.meta.url).href;
/** A small heap so that the simulated heap exhaustion kills the child within a second. */
const SMALL_HEAP = ['--max-old-space-size=32'];

let modelDir: string;
beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'speedbench-'));
  await writeFile(
    join(modelDir, 'config.json'),
    JSON.stringify({ model_type: 'bert', max_position_embeddings: 512, pad_token_id: 0 }),
  );
});
afterAll(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

function job(batchSize: number, engine: SimulatedEngineOptions): ChildJob {
  return {
    engine: {
      name: 'simulated',
      module: SIMULATED_MODULE,
      factory: 'createSimulatedEngine',
      options: engine,
    },
    modelDir,
    workload: { name: 'variable_short', samples: 8, seed: 42, padTokenId: 0, maxLength: 512 },
    batchSize,
    warmupBatches: 0,
    passes: 2,
    rowsPerPass: 8,
  };
}

describe('runChild', () => {
  it('times the passes in a child and reports its peak memory', async () => {
    const progress: number[] = [];
    const outcome = await runChild(job(4, { maxBatchSize: 8, outOfMemory: 'heap' }), {
      onProgress: (done) => progress.push(done),
    });
    expect(outcome).toMatchObject({ status: 'ok', randomWeights: true });
    if (outcome.status !== 'ok') throw new Error('unreachable');
    expect(outcome.seconds).toHaveLength(2);
    expect(outcome.maxRssBytes).toBeGreaterThan(0);
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it('reports a child that dies of heap exhaustion as a failed batch size, not a crash', async () => {
    const outcome = await runChild(job(4, { maxBatchSize: 2, outOfMemory: 'heap' }), {
      execArgv: SMALL_HEAP,
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/process died/);
  });

  it('reports a child killed by the OOM killer (SIGKILL) as a failed batch size', async () => {
    const outcome = await runChild(job(4, { maxBatchSize: 2, outOfMemory: 'killed' }));
    expect(outcome).toEqual({ status: 'failed', reason: 'process died (signal SIGKILL)' });
  });

  it('reports an allocator out-of-memory error as a failed batch size', async () => {
    const outcome = await runChild(job(4, { maxBatchSize: 2, outOfMemory: 'allocator-error' }));
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/^out of memory: OOM when allocating/);
  });

  it('throws a model that fails to load as ModelLoadError, and other run errors as BenchmarkRunError', async () => {
    await expect(
      runChild(job(1, { maxBatchSize: 8, outOfMemory: 'heap', loadError: 'unsupported model_type "gpt2"' })),
    ).rejects.toThrow(ModelLoadError);
    await expect(
      runChild(job(1, { maxBatchSize: 8, outOfMemory: 'heap', runError: 'shape mismatch' })),
    ).rejects.toThrow(BenchmarkRunError);
  });
});

describe('benchmarkModel with an engine that runs out of memory above batch size 2', () => {
  it('marks batch size 4 failed, keeps a size that ran, and writes the research keys', async () => {
    registerEngine({
      name: 'simulated-oom',
      family: 'simulated',
      device: 'cpu',
      module: SIMULATED_MODULE,
      factory: 'createSimulatedEngine',
      options: { maxBatchSize: 2, outOfMemory: 'heap', msPerBatch: 2 },
      execArgv: SMALL_HEAP,
      available: async () => true,
    });
    const info = await readModelInfo(modelDir);
    const engine = registeredEngines().find((registration) => registration.name === 'simulated-oom')!;
    const result = await benchmarkModel({ label: 'tiny-bert', info }, engine, {
      datasets: ['variable_short'],
      samples: 8,
      iters: 2,
      progress: false,
    });
    expect(result.failures).toEqual([]);
    const [timing] = result.datasets;
    expect(timing?.batchSizeSource).toBe('throughput-best');
    expect([1, 2]).toContain(timing?.batchSize);
    expect(timing?.searchTrials.at(-1)).toMatchObject({ batchSize: 4, ok: false });
    expect(timing?.searchTrials.at(-1)?.reason).toMatch(/process died/);

    const json = researchResults(result);
    expect(Object.keys(json)).toEqual(['variable_short']);
    expect(Object.keys(json['variable_short']!)).toEqual(
      expect.arrayContaining(['mean', 'std', 'max_batch_size', 'ktok_per_sec']),
    );
    const written = await writeSpeedReport(join(modelDir, 'results'), [result], {
      command: 'test',
      createdAt: new Date(0).toISOString(),
      host: { cpu: 'test', cores: 1, platform: 'linux', node: process.version },
      samples: 8,
      iters: 2,
      seed: 42,
    });
    expect(written.resultFiles).toEqual([
      join(modelDir, 'results', 'tiny-bert_simulated-oom_inference_times.json'),
    ]);
    expect(JSON.parse(await readFile(written.resultFiles[0]!, 'utf8'))).toEqual(json);
  });
});
