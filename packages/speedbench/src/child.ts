/**
 * Entry of a benchmark child process (forked by `isolated.ts`): it loads the model, rebuilds the
 * workload from its seed (cheaper than sending it), times the passes and reports over IPC. Dying here,
 * e.g. from a heap or device out-of-memory, only fails this one attempt.
 */

import { type ChildJob, type ChildMessage, looksLikeOutOfMemory } from './child-protocol.js';
import type { EngineFactory, LoadedModel } from './engine.js';
import { generateWorkloads, workloadBatch } from './workloads.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function loadModel(job: ChildJob): Promise<LoadedModel> {
  const module = (await import(job.engine.module)) as Record<string, unknown>;
  const factory = module[job.engine.factory];
  if (typeof factory !== 'function') {
    throw new Error(`${job.engine.module} has no engine factory named ${job.engine.factory}`);
  }
  const engine = await (factory as EngineFactory)(job.engine.options);
  return engine.load(job.modelDir);
}

async function timePasses(job: ChildJob, model: LoadedModel): Promise<number[]> {
  const [workload] = generateWorkloads([job.workload.name], job.workload);
  if (workload === undefined)
    throw new Error(`${job.workload.name} does not fit max length ${job.workload.maxLength}`);
  const rows = Math.min(job.rowsPerPass, workload.samples);
  const batchesPerPass = Math.ceil(rows / job.batchSize);
  const total = job.warmupBatches + job.passes * batchesPerPass;
  let done = 0;
  const step = async (start: number, size: number) => {
    await model.run(workloadBatch(workload, start, size));
    done += 1;
    await send({ type: 'progress', done, total });
  };
  for (let i = 0; i < job.warmupBatches; i++) {
    await step((i * job.batchSize) % workload.samples, job.batchSize);
  }
  const seconds: number[] = [];
  for (let pass = 0; pass < job.passes; pass++) {
    const started = process.hrtime.bigint();
    for (let start = 0; start < rows; start += job.batchSize)
      await step(start, Math.min(job.batchSize, rows - start));
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return seconds;
}

async function main(job: ChildJob): Promise<void> {
  let model: LoadedModel;
  try {
    model = await loadModel(job);
  } catch (error) {
    const message = messageOf(error);
    await send({ type: 'error', phase: 'load', message, outOfMemory: looksLikeOutOfMemory(message) });
    return;
  }
  try {
    const seconds = await timePasses(job, model);
    await model.dispose();
    await send({
      type: 'done',
      seconds,
      // resourceUsage reports the peak resident set in kilobytes.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      randomWeights: model.randomWeights,
      maxLength: model.maxLength,
    });
  } catch (error) {
    const message = messageOf(error);
    await send({ type: 'error', phase: 'run', message, outOfMemory: looksLikeOutOfMemory(message) });
  }
}

process.once('message', (job: ChildJob) => {
  main(job).then(
    // Engines may keep worker threads alive; the result is already flushed, so leave now.
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${messageOf(error)}\n`);
      process.exit(1);
    },
  );
});
