import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { comparePythonStrings } from '@bcmb/metrics';
import { DatasetFormatError, MissingRawFileError, type RawFileSource } from './errors.js';

/** Absolute path of `rawDir/name`, or a `MissingRawFileError` saying where the file comes from. */
export async function requireRawFile(
  task: string,
  rawDir: string,
  name: string,
  source: RawFileSource,
): Promise<string> {
  const path = resolve(rawDir, name);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new MissingRawFileError(task, path, source);
  if (!info.isFile()) {
    const kind = info.isDirectory()
      ? 'a directory'
      : info.isFIFO()
        ? 'a named pipe (FIFO)'
        : 'not a regular file';
    throw new DatasetFormatError(`${task} raw file ${path} is ${kind}`, {
      file: path,
      hint: `Put the ${name} file itself there (bcmb reads raw files from disk, not from pipes or folders)`,
    });
  }
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
