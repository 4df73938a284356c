import { BcmbError } from '@bcmb/core';
import { type ConnectionOptions, type Job, type JobState, Queue } from 'bullmq';
import { hasResult, type Plan, type Trial } from './plan.js';

/** Redis is unreachable or answered with an error; the message names the URL. */
export class QueueConnectionError extends BcmbError {}

/** The BullMQ queue every `bcmb worker` listens on unless told otherwise. */
export const DEFAULT_QUEUE_NAME = 'bcmb-trials';
/** Retries after a trial's first failed attempt, and the first backoff delay (doubling each retry). */
export const DEFAULT_RETRIES = 2;
export const DEFAULT_BACKOFF_SECONDS = 30;

/** What a job carries: everything a worker needs to run the trial, nothing that depends on the enqueuing machine. */
export interface TrialJobData {
  sweep: string;
  index: number;
  total: number;
  /** `bcmb` arguments, starting with `finetune` (the worker adds `--resume` and its own flags). */
  args: string[];
  dataset: string;
  model: string;
  runName: string;
  outputBase: string;
  checkpointDir: string;
}

/** What a finished job returns through Redis: the result files themselves, so workers need no shared disk. */
export interface TrialJobResult {
  worker: string;
  /** The research `.txt` and its `.json` twin, verbatim. */
  txt: string;
  json: string;
  bestCheckpoint: string | null;
  resumedFrom: string | null;
}

/** Progress a worker publishes while a trial runs (from the trial's newest checkpoint). */
export interface TrialProgress {
  worker: string;
  step?: number;
  maxSteps?: number;
}

export function connectionFor(
  url: string,
  retryStrategy?: (attempt: number) => number | null,
): ConnectionOptions {
  if (!/^rediss?:\/\//.test(url)) {
    throw new QueueConnectionError(`--queue must be a redis:// URL, got "${url}"`, {
      hint: 'For example --queue redis://localhost:6379/0',
    });
  }
  return retryStrategy ? { url, retryStrategy } : { url };
}

/** How many times a command (not a worker) tries to reach Redis before it gives up. */
const COMMAND_CONNECT_ATTEMPTS = 3;

export function openQueue(url: string, name: string): Queue<TrialJobData, TrialJobResult> {
  // Commands give up on an unreachable Redis (workers keep retrying: see worker.ts).
  const connection = connectionFor(url, (attempt) => (attempt >= COMMAND_CONNECT_ATTEMPTS ? null : 500));
  const queue = new Queue<TrialJobData, TrialJobResult>(name, { connection });
  // Connection errors surface through the awaited calls; the event would otherwise be an unhandled 'error'.
  queue.on('error', () => {});
  return queue;
}

/** Runs `action` against the queue and wraps connection failures in a `QueueConnectionError`. */
export async function withQueue<T>(
  url: string,
  name: string,
  action: (queue: Queue<TrialJobData, TrialJobResult>) => Promise<T>,
): Promise<T> {
  const queue = openQueue(url, name);
  try {
    await queue.waitUntilReady().catch((error: Error) => {
      throw new QueueConnectionError(`cannot reach Redis at ${url}: ${error.message}`, {
        cause: error,
        hint: 'Start redis-server there, or check the host, port and database in --queue',
      });
    });
    return await action(queue);
  } finally {
    await queue.close().catch(() => undefined);
  }
}

export function jobData(plan: Plan, trial: Trial): TrialJobData {
  return {
    sweep: plan.name,
    index: trial.index,
    total: plan.trials.length,
    args: trial.args,
    dataset: trial.dataset,
    model: trial.model,
    runName: trial.runName,
    outputBase: trial.outputBase,
    checkpointDir: trial.checkpointDir,
  };
}

export interface EnqueueSummary {
  added: Trial[];
  /** Trials whose job already exists, by state. */
  existing: { trial: Trial; state: JobState | 'unknown' }[];
  withResults: Trial[];
}

/**
 * Adds one job per trial that has neither a result file here nor a job already: job ids are derived from the
 * trial's options, so a second enqueue of the same file adds nothing.
 */
export async function enqueuePlan(
  queue: Queue<TrialJobData, TrialJobResult>,
  plan: Plan,
  options: { retries: number; backoffSeconds: number },
): Promise<EnqueueSummary> {
  const summary: EnqueueSummary = { added: [], existing: [], withResults: [] };
  for (const trial of plan.trials) {
    const job = await queue.getJob(trial.id);
    if (job) {
      summary.existing.push({ trial, state: await job.getState() });
      continue;
    }
    if (await hasResult(trial)) {
      summary.withResults.push(trial);
      continue;
    }
    await queue.add(trial.runName, jobData(plan, trial), {
      jobId: trial.id,
      attempts: options.retries + 1,
      backoff: { type: 'exponential', delay: options.backoffSeconds * 1000 },
      removeOnComplete: false,
      removeOnFail: false,
    });
    summary.added.push(trial);
  }
  return summary;
}

export interface TrialStatus {
  trial: Trial;
  state: 'not queued' | 'has result' | 'queued' | 'retrying' | 'running' | 'done' | 'failed';
  detail: string;
  job?: Job<TrialJobData, TrialJobResult>;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.trim();
}

/** Where each trial of the plan stands in the queue. */
export async function planStatus(
  queue: Queue<TrialJobData, TrialJobResult>,
  plan: Plan,
): Promise<TrialStatus[]> {
  const rows: TrialStatus[] = [];
  for (const trial of plan.trials) {
    const job = await queue.getJob(trial.id);
    if (!job) {
      rows.push({ trial, state: (await hasResult(trial)) ? 'has result' : 'not queued', detail: '' });
      continue;
    }
    const state = await job.getState();
    const attempts = `attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}`;
    if (state === 'completed') {
      rows.push({
        trial,
        job,
        state: 'done',
        detail:
          `by ${job.returnvalue?.worker ?? job.processedBy ?? '?'}` +
          (job.returnvalue?.bestCheckpoint ? `, best checkpoint ${job.returnvalue.bestCheckpoint}` : ''),
      });
    } else if (state === 'failed') {
      rows.push({
        trial,
        job,
        state: 'failed',
        detail: `after ${job.attemptsMade} attempt(s): ${firstLine(job.failedReason)}`,
      });
    } else if (state === 'active') {
      const progress = job.progress as TrialProgress | number;
      const worker = typeof progress === 'object' ? progress.worker : (job.processedBy ?? '?');
      const steps =
        typeof progress === 'object' && progress.maxSteps
          ? `, step ${progress.step ?? 0}/${progress.maxSteps} at the last checkpoint`
          : '';
      rows.push({ trial, job, state: 'running', detail: `on ${worker}${steps} (${attempts})` });
    } else if (state === 'delayed' || job.attemptsMade > 0) {
      rows.push({
        trial,
        job,
        state: 'retrying',
        detail: `${attempts}; last error: ${firstLine(job.failedReason)}`,
      });
    } else {
      rows.push({ trial, job, state: 'queued', detail: '' });
    }
  }
  return rows;
}
