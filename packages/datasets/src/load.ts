import { dirname, join, resolve } from 'node:path';
import { removeStaleTemporaries } from '@bcmb/core';
import { fingerprintRawFiles, readProcessedSplits, writeProcessedSplits } from './cache.js';
import { type BuiltinTaskExamples, type BuiltinTaskName, getTask } from './registry.js';
import type { AdapterLoadOptions, DatasetSplits, ProblemType, TaskAdapter, TaskExample } from './types.js';

/** Where the research repo keeps raw and processed data, relative to the working directory. */
export const DEFAULT_RAW_ROOT = join('data', 'raw');
export const DEFAULT_PROCESSED_ROOT = join('data', 'processed');

export interface LoadTaskOptions extends AdapterLoadOptions {
  /** Folder with the task's raw files; defaults to `data/raw/<dirName>`. */
  rawDir?: string;
  /** Folder for the processed splits; defaults to `data/processed/<dirName>`. */
  processedDir?: string;
  /** Read and write the processed cache (default true). */
  cache?: boolean;
}

/** An adapter's splits plus what `loadTask` knows about them. */
export interface LoadedTask<E extends TaskExample = TaskExample> extends DatasetSplits<E> {
  task: string;
  problemType: ProblemType;
  /** True when the splits came from `processedDir` instead of the raw files. */
  fromCache: boolean;
}

export function loadTask<N extends BuiltinTaskName>(
  task: N,
  options?: LoadTaskOptions,
): Promise<LoadedTask<BuiltinTaskExamples[N]>>;
export function loadTask<E extends TaskExample>(
  task: TaskAdapter<E>,
  options?: LoadTaskOptions,
): Promise<LoadedTask<E>>;
export function loadTask(task: string, options?: LoadTaskOptions): Promise<LoadedTask>;
/**
 * Loads a task's train / validation / test splits from its raw files, or from the processed cache when it was
 * built by the same adapter version from unchanged raw files. A fresh build is written back atomically.
 */
export async function loadTask(
  task: string | TaskAdapter,
  options: LoadTaskOptions = {},
): Promise<LoadedTask> {
  const adapter = typeof task === 'string' ? getTask(task) : task;
  const rawDir = resolve(options.rawDir ?? join(DEFAULT_RAW_ROOT, adapter.dirName));
  const processedDir = resolve(options.processedDir ?? join(DEFAULT_PROCESSED_ROOT, adapter.dirName));
  const adapterOptions: AdapterLoadOptions =
    options.progress === undefined ? {} : { progress: options.progress };
  const meta = { task: adapter.name, problemType: adapter.problemType };
  if (options.cache === false) {
    return { ...(await adapter.load(rawDir, adapterOptions)), ...meta, fromCache: false };
  }
  const key = {
    task: adapter.name,
    adapterVersion: adapter.version,
    fingerprint: await fingerprintRawFiles(await adapter.inputFiles(rawDir), rawDir),
  };
  // A kill during an earlier cache write leaves a temporary folder beside processedDir.
  await removeStaleTemporaries(dirname(processedDir));
  const cached = await readProcessedSplits(processedDir, key);
  if (cached !== undefined) return { ...cached, ...meta, fromCache: true };
  const splits = await adapter.load(rawDir, adapterOptions);
  await writeProcessedSplits(processedDir, key, adapter.problemType, splits);
  return { ...splits, ...meta, fromCache: false };
}
