import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { replaceDirAtomic, writeAtomicWith, writeFileAtomic } from '@bcmb/core';
import type { DatasetSplits, DatasetWarning, ProblemType, TaskExample } from './types.js';

/** Bumped when the layout of the processed folder changes. */
const CACHE_FORMAT = 1;
/** Files up to this size are fingerprinted by content; larger ones (NOTEEVENTS.csv, ~4 GB) by size and mtime. */
export const CONTENT_HASH_LIMIT = 64 * 1024 * 1024;
const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
const META_FILE = 'meta.json';

/** What identifies a processed cache: the adapter that built it and the raw files it read. */
export interface CacheKey {
  task: string;
  adapterVersion: string;
  /** `fingerprintRawFiles` of the adapter's input files. */
  fingerprint: string;
}

interface CacheMeta extends CacheKey {
  format: number;
  problemType: ProblemType;
  labelNames: string[];
  warnings: DatasetWarning[];
  counts: Record<(typeof SPLIT_NAMES)[number], number>;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * One hex digest over the raw files: each file's path (relative to `rawDir`), size and mtime, plus a sha256
 * of its content when it is at most `CONTENT_HASH_LIMIT` bytes. Any change to a file changes the digest.
 */
export async function fingerprintRawFiles(files: readonly string[], rawDir: string): Promise<string> {
  const entries = [];
  for (const file of files) {
    const info = await stat(file);
    const content = info.size <= CONTENT_HASH_LIMIT ? await sha256File(file) : null;
    entries.push({ path: relative(rawDir, file), size: info.size, mtimeMs: info.mtimeMs, content });
  }
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

async function readMeta(dir: string): Promise<CacheMeta | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, META_FILE), 'utf8')) as CacheMeta;
  } catch {
    return undefined;
  }
}

function parseJsonLines<E>(text: string): E[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as E);
}

/**
 * The splits cached in `dir` when they were built by the same adapter version from the same raw files;
 * undefined when absent, stale or unreadable (the caller then rebuilds).
 */
export async function readProcessedSplits<E extends TaskExample>(
  dir: string,
  key: CacheKey,
): Promise<(DatasetSplits<E> & { problemType: ProblemType }) | undefined> {
  const meta = await readMeta(dir);
  if (
    meta?.format !== CACHE_FORMAT ||
    meta.task !== key.task ||
    meta.adapterVersion !== key.adapterVersion ||
    meta.fingerprint !== key.fingerprint
  ) {
    return undefined;
  }
  try {
    const [train, validation, test] = await Promise.all(
      SPLIT_NAMES.map(async (name) => parseJsonLines<E>(await readFile(join(dir, `${name}.jsonl`), 'utf8'))),
    );
    const splits = { train: train!, validation: validation!, test: test! };
    if (SPLIT_NAMES.some((name) => splits[name].length !== meta.counts[name])) return undefined;
    return { ...splits, labelNames: meta.labelNames, warnings: meta.warnings, problemType: meta.problemType };
  } catch {
    return undefined;
  }
}

/** Writes the splits as `train.jsonl`, `validation.jsonl`, `test.jsonl` + `meta.json`, replacing `dir` atomically. */
export async function writeProcessedSplits(
  dir: string,
  key: CacheKey,
  problemType: ProblemType,
  splits: DatasetSplits,
): Promise<void> {
  await replaceDirAtomic(dir, async (temp) => {
    for (const name of SPLIT_NAMES) {
      await writeAtomicWith(join(temp, `${name}.jsonl`), async (handle) => {
        for (const example of splits[name]) await handle.write(`${JSON.stringify(example)}\n`);
      });
    }
    const meta: CacheMeta = {
      format: CACHE_FORMAT,
      ...key,
      problemType,
      labelNames: splits.labelNames,
      warnings: splits.warnings,
      counts: { train: splits.train.length, validation: splits.validation.length, test: splits.test.length },
    };
    await writeFileAtomic(join(temp, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  });
}
