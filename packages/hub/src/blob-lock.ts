import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { HubNetworkError } from './errors.js';

/**
 * How long to wait for another process downloading the same blob (parallel seeds resolving one model):
 * polls from 0.2 s growing to 2 s, about an hour in all. A holder that died is taken over once its lock
 * has not been refreshed for proper-lockfile's `stale` period (10 s).
 */
const LOCK_RETRIES = { retries: 1800, factor: 1.5, minTimeout: 200, maxTimeout: 2000 };

/**
 * Runs `work` holding an exclusive lock on one blob, so concurrent resolves never append to the same
 * `.incomplete` file. huggingface_hub locks `.locks/<repo folder>/<etag>.lock` with flock; bcmb keeps its own
 * lock beside it (proper-lockfile's directory lock), which serializes bcmb processes but not bcmb against Python.
 */
export async function withBlobLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  let compromised: Error | undefined;
  const release = await lockfile.lock(lockPath, {
    lockfilePath: lockPath,
    realpath: false,
    retries: LOCK_RETRIES,
    onCompromised: (error) => {
      compromised = error;
    },
  });
  try {
    const result = await work();
    if (compromised) {
      throw new HubNetworkError('Lost the lock on a cache blob while downloading it', {
        file: lockPath,
        cause: compromised,
        hint: 'Run again',
      });
    }
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
