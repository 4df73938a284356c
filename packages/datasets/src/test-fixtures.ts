// Readers for the dataset fixtures copied from shared/fixtures/datasets (used by tests only).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskExample } from './types.js';

export const DATASET_FIXTURES = fileURLToPath(new URL('../fixtures/datasets/', import.meta.url));

export const rawDirOf = (sample: string): string => join(DATASET_FIXTURES, sample, 'raw');

export function readSample<T = Record<string, unknown>>(sample: string, file = 'expected.json'): T {
  return JSON.parse(readFileSync(join(DATASET_FIXTURES, sample, file), 'utf8')) as T;
}

interface ExpectedExample {
  text?: string;
  labels?: number | number[];
  index?: string;
  tokens?: string[];
  ner_tags?: number[];
}

export interface ExpectedSample {
  splits: Record<'train' | 'validation' | 'test', ExpectedExample[]>;
  split?: Record<'train_indices' | 'validation_indices' | 'test_indices', number[]>;
  label_names?: string[];
  class_names?: string[];
}

/** An expected.json example in this package's typed shape (`ner_tags` → `nerTags`, `index` → `id`). */
export function asTypedExample(example: ExpectedExample): TaskExample {
  if (example.tokens !== undefined) return { tokens: example.tokens, nerTags: example.ner_tags ?? [] };
  if (typeof example.labels === 'number') {
    return example.index === undefined
      ? { text: example.text ?? '', labels: example.labels }
      : { text: example.text ?? '', labels: example.labels, id: example.index };
  }
  return { text: example.text ?? '', labels: example.labels ?? [] };
}

/** A writable scratch copy of a sample's raw folder (fixtures are read-only); `dispose` removes it. */
export function scratchRawDir(sample?: string): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bcmb-datasets-'));
  if (sample !== undefined) cpSync(rawDirOf(sample), dir, { recursive: true });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `use` with a scratch raw folder (a copy of `sample`'s raw files, or empty) and removes it afterwards. */
export async function withScratchDir<T>(
  sample: string | undefined,
  use: (dir: string) => Promise<T> | T,
): Promise<T> {
  const scratch = scratchRawDir(sample);
  try {
    return await use(scratch.dir);
  } finally {
    scratch.dispose();
  }
}

/** The train / validation / test indices an expected.json recorded. */
export function recordedSplit(
  expected: ExpectedSample,
): Record<'train' | 'validation' | 'test', number[] | undefined> {
  return {
    train: expected.split?.train_indices,
    validation: expected.split?.validation_indices,
    test: expected.split?.test_indices,
  };
}
