import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { BcmbError } from '@bcmb/core';
import { latestCheckpoint, readTrainerState } from '@bcmb/trainer';
import { type Job, Worker } from 'bullmq';
import { spawnBcmb } from './child.js';
import { connectionFor, type TrialJobData, type TrialJobResult, type TrialProgress } from './queue.js';

/** A trial's `bcmb finetune` ended with an error; the message is the child's own error line. */
export class TrialFailedError extends BcmbError {}

export interface WorkerOptions {
  url: string;
  queueName: string;
  concurrency: number;
  /** Flags appended to every trial's command line (e.g. `--backend wasm`). */
  extraArgs: readonly string[];
  /** Folder relative paths of the jobs are resolved against (the shared output folder's parent). */
  cwd: string;
  /**
   * How long a job's lock lives without renewal; a dead worker's trial is handed to another worker after about
   * this long. BullMQ's default, 30 s.
   */
  lockSeconds: number;
  /** How often a trial may lose its worker before it is failed rather than handed on. */
  maxStalls: number;
  log: (line: string) => void;
}

const PROGRESS_POLL_MS = 2000;

/** The child's own error line (`bcmb: …`, or commander's `error: …`), else its last line on stderr. */
function errorLine(stderr: readonly string[], code: number): string {
  const own = [...stderr].reverse().find((line) => /^(bcmb|error): /.test(line));
  const last = [...stderr].reverse().find((line) => line.trim() !== '');
  return (own ?? last ?? `bcmb finetune exited with code ${code}`).replace(/^bcmb: /, '');
}

/**
 * A BullMQ worker that runs each trial as a child `bcmb finetune … --resume` (so a trial handed over from a dead
 * worker continues from its newest checkpoint), publishes progress from the checkpoints, and returns the result
 * files through Redis.
 */
export function startWorker(options: WorkerOptions): {
  worker: Worker;
  name: string;
  stop: () => Promise<void>;
} {
  const name = `${hostname()}:${process.pid}`;
  const children = new Map<string, ChildProcess>();

  const processTrial = async (job: Job<TrialJobData, TrialJobResult>): Promise<TrialJobResult> => {
    const data = job.data;
    const label = `[${data.index + 1}/${data.total} ${data.dataset} ${data.model} ${data.runName}]`;
    const attempt = `attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}`;
    options.log(`${label} starting (${attempt}${job.stalledCounter > 0 ? ', after a lost worker' : ''})`);
    const stderr: string[] = [];
    let resumedFrom: string | null = null;
    const run = spawnBcmb(
      [...data.args, '--resume', ...options.extraArgs],
      (line, stream) => {
        options.log(`${label} ${line}`);
        if (stream === 'stderr') stderr.push(line);
        if (stderr.length > 50) stderr.shift();
        const resumed = /^Resumed from (.+)$/.exec(line);
        if (resumed) resumedFrom = resumed[1]!;
      },
      { cwd: options.cwd },
    );
    children.set(job.id!, run.child);
    const checkpointDir = resolve(options.cwd, data.checkpointDir);
    const publish = async () => {
      const progress: TrialProgress = { worker: name };
      const latest = await latestCheckpoint(checkpointDir).catch(() => undefined);
      if (latest) {
        const state = await readTrainerState(latest).catch(() => undefined);
        if (state) Object.assign(progress, { step: state.global_step, maxSteps: state.max_steps });
      }
      await job.updateProgress(progress).catch(() => undefined);
    };
    await publish();
    const timer = setInterval(publish, PROGRESS_POLL_MS);
    const code = await run.done.finally(() => {
      clearInterval(timer);
      children.delete(job.id!);
    });
    if (code !== 0) {
      const line = errorLine(stderr, code);
      options.log(`${label} failed (${attempt}): ${line}`);
      throw new TrialFailedError(line);
    }
    const base = resolve(options.cwd, data.outputBase);
    const [txt, json] = await Promise.all([
      readFile(`${base}.txt`, 'utf8'),
      readFile(`${base}.json`, 'utf8'),
    ]);
    options.log(`${label} done`);
    return {
      worker: name,
      txt,
      json,
      bestCheckpoint: (JSON.parse(json) as { best_checkpoint?: string | null }).best_checkpoint ?? null,
      resumedFrom,
    };
  };

  const worker = new Worker<TrialJobData, TrialJobResult>(options.queueName, processTrial, {
    connection: connectionFor(options.url),
    concurrency: options.concurrency,
    lockDuration: options.lockSeconds * 1000,
    stalledInterval: options.lockSeconds * 1000,
    maxStalledCount: options.maxStalls,
    // BullMQ waits 15 s before it retries after a lost connection; a restarted Redis is usually back sooner.
    runRetryDelay: 2000,
    name,
  });
  let lastError = '';
  worker.on('error', (error) => {
    // A Redis outage repeats the same error on every reconnect attempt; one line each time it changes.
    if (error.message !== lastError) options.log(`worker: ${error.message} (retrying)`);
    lastError = error.message;
  });
  worker.on('ready', () => {
    if (lastError !== '') options.log('worker: connected to Redis again');
    lastError = '';
  });
  // Another worker may already own a job whose lock we could not renew: stop our copy of the trial.
  worker.on('lockRenewalFailed', (ids: string[]) => {
    for (const id of ids) {
      options.log(`worker: lost the lock of job ${id}; stopping its trial (another worker takes it over)`);
      children.get(id)?.kill('SIGKILL');
    }
  });
  return {
    worker,
    name,
    stop: async () => {
      await worker.close();
    },
  };
}
