import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { CheckpointFormatError } from './errors.js';

/** Node caps one `read()` at 2 GiB; larger tensors are read in pieces of this size. */
const MAX_READ_BYTES = 1 << 30;

/** Fills `target` from `position` of the file, or throws if the file ends first. */
export async function readExactly(
  handle: FileHandle,
  target: Uint8Array,
  position: number,
  file: string,
): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const length = Math.min(MAX_READ_BYTES, target.byteLength - done);
    const { bytesRead } = await handle.read(target, done, length, position + done);
    if (bytesRead === 0) {
      throw new CheckpointFormatError(
        `file ended after ${position + done} bytes while reading ${target.byteLength} bytes at offset ${position}`,
        { file, hint: 'The file is truncated; download it again' },
      );
    }
    done += bytesRead;
  }
}

/** Tensor bytes are little-endian in every format read here; views over them assume a little-endian host. */
export function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') {
    throw new Error('bcmb reads and writes checkpoints only on little-endian hosts');
  }
}
