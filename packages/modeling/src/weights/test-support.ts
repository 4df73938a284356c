import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tiny checkpoints committed at the repository root. */
export const MODELS_DIR = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));

export function modelFile(folder: string, file: string): string {
  return join(MODELS_DIR, folder, file);
}

/** Runs `body` with a fresh temp directory that is removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bcmb-weights-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A safetensors file from a raw header (any JSON, valid or not) and raw data, for corrupt-file tests. */
export function rawSafetensors(header: unknown, data: Uint8Array, claimedLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, claimedLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
