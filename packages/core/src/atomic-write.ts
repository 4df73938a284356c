import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A sibling temp path, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The names `tempPathFor` gives: `.<name>.<pid>.<8 hex>.tmp`. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries that a killed writer left in `dir` (files and folders named by `tempPathFor` whose
 * process is gone), and returns their paths. Temporaries of live processes are left alone, so two runs sharing a
 * folder do not remove each other's work in progress.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [] as string[];
    throw error;
  });
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (match === null || isAlive(Number(match[1]))) continue;
    const path = join(dir, name);
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/**
 * Removes a directory so that a kill midway leaves either the whole directory or a temporary that
 * `removeStaleTemporaries` cleans up, never a half-deleted directory under its real name.
 */
export async function removeDirAtomic(dir: string): Promise<void> {
  const temp = tempPathFor(dir);
  const moved = await rename(dir, temp).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  if (moved) await rm(temp, { recursive: true, force: true });
}

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one:
 * write to a temp file, fsync, rename. The temp file is removed on failure.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeAtomicWith(path, async (handle) => {
    await handle.writeFile(data);
  });
}

/** Like `writeFileAtomic`, for content produced in pieces (large tensors, streamed rows). */
export async function writeAtomicWith(
  path: string,
  write: (handle: import('node:fs/promises').FileHandle) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  const handle = await open(temp, 'w');
  try {
    await write(handle);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Fills a directory atomically: `fill` writes into a fresh temp directory, which then replaces `dir`.
 * An existing `dir` is moved aside first and removed only after the swap succeeded.
 */
export async function replaceDirAtomic(dir: string, fill: (tempDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const temp = tempPathFor(dir);
  await mkdir(temp, { recursive: true });
  try {
    await fill(temp);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  const old = tempPathFor(dir);
  const hadOld = await rename(dir, old).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  await rename(temp, dir);
  if (hadOld) await rm(old, { recursive: true, force: true });
}
