import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A sibling temp path, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
