import { createHash, getHashes } from 'node:crypto';
import { createXXHash3, createXXHash32, createXXHash64, createXXHash128 } from 'hash-wasm';
import { MdsEncodeError } from './errors.js';

// streaming/base/hashing.py: every hashlib algorithm (no shake_*) plus xxh32, xxh64, xxh128, xxh3_64, xxh3_128.
const XXHASH = ['xxh32', 'xxh64', 'xxh128', 'xxh3_64', 'xxh3_128'] as const;
const HASHLIB: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};

export function isHashAlgorithm(algo: string): boolean {
  return (XXHASH as readonly string[]).includes(algo) || Object.hasOwn(HASHLIB, algo);
}

export function assertHashAlgorithm(algo: string): void {
  if (isHashAlgorithm(algo) && (XXHASH as readonly string[]).includes(algo)) return;
  const node = HASHLIB[algo];
  if (node !== undefined && getHashes().includes(node)) return;
  throw new MdsEncodeError(`Unsupported hash algorithm ${JSON.stringify(algo)}`, {
    hint: `Use one of ${[...Object.keys(HASHLIB), ...XXHASH].join(', ')}`,
  });
}

/** The lowercase hex digest `streaming.base.hashing.get_hash(algo, data)` returns (xxh* with seed 0). */
export async function hashHex(algo: string, data: Uint8Array): Promise<string> {
  assertHashAlgorithm(algo);
  const node = HASHLIB[algo];
  if (node !== undefined) return createHash(node).update(data).digest('hex');
  const hasher =
    algo === 'xxh32'
      ? await createXXHash32(0)
      : algo === 'xxh64'
        ? await createXXHash64(0, 0)
        : algo === 'xxh3_64'
          ? await createXXHash3(0, 0)
          : await createXXHash128(0, 0); // python-xxhash's xxh128 and xxh3_128 are both XXH3-128

  hasher.init();
  hasher.update(data);
  return hasher.digest('hex');
}
