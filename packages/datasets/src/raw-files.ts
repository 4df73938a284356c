import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { comparePythonStrings } from '@bcmb/metrics';
import { MissingRawFileError, type RawFileSource } from './errors.js';

/** Absolute path of `rawDir/name`, or a `MissingRawFileError` saying where the file comes from. */
export async function requireRawFile(
  task: string,
  rawDir: string,
  name: string,
  source: RawFileSource,
): Promise<string> {
  const path = resolve(rawDir, name);
  const found = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!found) throw new MissingRawFileError(task, path, source);
  return path;
}

/**
 * File names in `rawDir` ending with `suffix`, in Python `sorted(os.listdir(...))` order;
 * a `MissingRawFileError` when the folder is absent or holds none.
 */
export async function requireRawFilesBySuffix(
  task: string,
  rawDir: string,
  suffix: string,
  source: RawFileSource,
): Promise<string[]> {
  const dir = resolve(rawDir);
  const names = await readdir(dir).catch(() => undefined);
  const matching = (names ?? []).filter((name) => name.endsWith(suffix)).sort(comparePythonStrings);
  if (matching.length === 0) throw new MissingRawFileError(task, join(dir, `*${suffix}`), source);
  return matching;
}
