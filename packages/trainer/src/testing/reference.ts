import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A tensor as the shared reference files write it: flat row-major data. */
export interface RefTensor {
  shape: number[];
  dtype: 'float32' | 'int64';
  data: number[];
}

export interface RefRows {
  param: string;
  token_ids: number[];
  rows: RefTensor;
}

export interface RefTrainStepRecord {
  step: number;
  loss: number;
  logits: RefTensor;
  global_grad_norm_pre_clip: number;
  clip_coef: number;
  per_param_grad_norm_pre_clip: Record<string, number>;
  grads_pre_clip: Record<string, RefTensor>;
  grads_post_clip: Record<string, RefTensor>;
  embedding_grad_rows_pre_clip: RefRows;
  params_after: Record<string, RefTensor>;
  embedding_rows_after: RefRows;
}

export interface RefTrainStep {
  checkpoint: string;
  config_overrides: Record<string, number>;
  optimizer: { lr: number; weight_decay: number; decay_parameters: string[]; no_decay_parameters: string[] };
  params_before: Record<string, RefTensor>;
  embedding_rows_before: RefRows;
  steps: RefTrainStepRecord[];
}

const repoFixtures = new URL('../../../../fixtures/', import.meta.url);

/** Reads a gzip-compressed JSON file under the repository's `fixtures/` directory. */
export function readGzipJsonFixture<T>(relative: string): T {
  return JSON.parse(gunzipSync(readFileSync(new URL(relative, repoFixtures))).toString('utf8')) as T;
}

export function readTrainStepReference(family: 'bert' | 'modernbert'): RefTrainStep {
  return readGzipJsonFixture<RefTrainStep>(`reference/modeling/${family}_train_step.json.gz`);
}

/** Absolute path of a tiny checkpoint under the repository's `fixtures/models/`. */
export function fixtureModelDir(name: string): string {
  return new URL(`models/${name}`, repoFixtures).pathname;
}

export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  return max;
}
