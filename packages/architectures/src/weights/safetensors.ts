import { type FileHandle, open } from 'node:fs/promises';
import { writeAtomicWith } from '@bcmb/core';
import { toFloat32 } from './dtype.js';
import { CheckpointFormatError } from './errors.js';
import { assertLittleEndianHost, readExactly } from './file-io.js';
import {
  DEFAULT_SAFETENSORS_METADATA,
  HEADER_ALIGNMENT,
  headerLength,
  LENGTH_PREFIX_BYTES,
  parseHeaderJson,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-format.js';
import { elementCount, type StateDict, type WeightTensor } from './state-dict.js';

/** Reads and validates only the header: names, dtypes, shapes and offsets, without touching tensor data. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await readHeader(handle, size, path);
  } finally {
    await handle.close();
  }
}

/**
 * Reads every tensor of a `.safetensors` file as float32. Each F32 tensor is read straight from the file into the
 * memory of its own Float32Array (no intermediate buffer); other dtypes go through one tensor-sized scratch buffer.
 * Peak memory is therefore the float32 weights plus the largest single tensor.
 */
export async function readSafetensors(path: string): Promise<StateDict> {
  assertLittleEndianHost();
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const header = await readHeader(handle, size, path);
    const dict: StateDict = new Map();
    for (const [name, entry] of header.tensors) {
      dict.set(name, await readTensor(handle, header.dataStart, entry, path));
    }
    return dict;
  } finally {
    await handle.close();
  }
}

async function readTensor(
  handle: FileHandle,
  dataStart: number,
  entry: SafetensorsEntry,
  file: string,
): Promise<WeightTensor> {
  const count = elementCount(entry.shape);
  const position = dataStart + entry.dataOffsets[0];
  if (entry.dtype === 'F32') {
    const data = new Float32Array(count);
    await readExactly(handle, new Uint8Array(data.buffer), position, file);
    return { shape: entry.shape, data };
  }
  const raw = new Uint8Array(entry.dataOffsets[1] - entry.dataOffsets[0]);
  await readExactly(handle, raw, position, file);
  return { shape: entry.shape, data: toFloat32(entry.dtype, raw, count) };
}

async function readHeader(handle: FileHandle, fileSize: number, file: string): Promise<SafetensorsHeader> {
  const prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
  if (fileSize >= LENGTH_PREFIX_BYTES) await readExactly(handle, prefix, 0, file);
  const jsonBytes = new Uint8Array(headerLength(prefix, fileSize, file));
  await readExactly(handle, jsonBytes, LENGTH_PREFIX_BYTES, file);
  return parseHeaderJson(jsonBytes, fileSize, file);
}

/**
 * Writes `tensors` as F32 safetensors, laid out like the Rust library (and hence `save_pretrained`): `__metadata__`
 * first, tensors sorted by name (all share one dtype, the crate's first sort key), JSON padded with spaces to 8 bytes.
 * The file appears atomically: a temp file is renamed into place only when complete.
 */
export async function writeSafetensors(
  path: string,
  tensors: StateDict,
  metadata: Record<string, string> = { ...DEFAULT_SAFETENSORS_METADATA },
): Promise<void> {
  assertLittleEndianHost();
  const names = [...tensors.keys()].sort(compareUtf8);
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') {
      throw new CheckpointFormatError('a tensor cannot be named "__metadata__" in safetensors', {
        file: path,
      });
    }
    const { shape, data } = tensors.get(name)!;
    if (data.length !== elementCount(shape)) {
      throw new CheckpointFormatError(
        `tensor "${name}" has ${data.length} values but shape ${JSON.stringify(shape)} needs ${elementCount(shape)}`,
        { file: path, hint: 'Fix the shape or the data before saving' },
      );
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / HEADER_ALIGNMENT) * HEADER_ALIGNMENT;
  const head = new Uint8Array(LENGTH_PREFIX_BYTES + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, LENGTH_PREFIX_BYTES);
  await writeAtomicWith(path, async (handle) => {
    await handle.writeFile(head);
    for (const name of names) {
      const { data } = tensors.get(name)!;
      await handle.writeFile(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  });
}

/** Byte-wise UTF-8 order, as Rust compares `String`s. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
