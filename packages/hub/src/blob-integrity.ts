import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HubCorruptCacheError } from './errors.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const GIT_SHA1_HEX = /^[0-9a-f]{40}$/;

/**
 * A hash that must end equal to the etag: the hub names LFS files by the sha256 of their content and other
 * files by their git blob id, sha1 of `blob <size>\0<content>`. Undefined for etags of another shape.
 */
export function blobHasher(etag: string, size: number): Hash | undefined {
  if (SHA256_HEX.test(etag)) return createHash('sha256');
  if (GIT_SHA1_HEX.test(etag)) return createHash('sha1').update(`blob ${size}\0`);
  return undefined;
}

export async function hashFileInto(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** Throws `HubCorruptCacheError` when `path` has not `expectedSize` bytes or does not hash to `etag`. */
export function checkBlob(
  path: string,
  etag: string,
  actual: { size: number; digest: string | undefined },
  expectedSize: number | undefined,
  hint: string,
): void {
  if (expectedSize !== undefined && actual.size !== expectedSize) {
    throw new HubCorruptCacheError(`Blob has ${actual.size} bytes but the hub announced ${expectedSize}`, {
      file: path,
      hint,
    });
  }
  if (actual.digest !== undefined && actual.digest !== etag) {
    throw new HubCorruptCacheError(`Blob content hashes to ${actual.digest}, not to its ETag ${etag}`, {
      file: path,
      hint,
    });
  }
}

/** Checks a cached blob's size against the hub's and, with `rehash`, its content against the etag it is named by. */
export async function verifyCachedBlob(
  path: string,
  etag: string,
  expectedSize: number | undefined,
  rehash: boolean,
): Promise<void> {
  const { size } = await stat(path);
  const hash = rehash ? blobHasher(etag, size) : undefined;
  if (hash) await hashFileInto(hash, path);
  checkBlob(
    path,
    etag,
    { size, digest: hash?.digest('hex') },
    expectedSize,
    'Delete this blob and resolve the model again to re-download it',
  );
}
