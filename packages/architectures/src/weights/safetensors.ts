import { open } from 'node:fs/promises';
import { writeAtomicWith } from '@bcmb/core';
import { DTYPE_BYTES, isSafetensorsDType, toFloat32 } from './dtype.js';
import { CheckpointFormatError } from './errors.js';
import { assertLittleEndianHost, readExactly } from './file-io.js';
import { elementCount, type SafetensorsDType, type StateDict, type WeightTensor } from './state-dict.js';

/** Same cap as the Rust `safetensors` crate (MAX_HEADER_SIZE): a larger claimed header is corrupt, not big. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bytes of the little-endian u64 header length that opens every file. */
const LENGTH_PREFIX_BYTES = 8;

/** The Rust writer pads the JSON header with spaces to a multiple of this, so tensor data starts aligned. */
const HEADER_ALIGNMENT = 8;

/** `save_pretrained`'s metadata; `transformers` refuses to load a safetensors file without `format`. */
export const DEFAULT_SAFETENSORS_METADATA: Readonly<Record<string, string>> = { format: 'pt' };

export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range [start, end) relative to the start of the data region. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  /** In header order, which is file order for files written by the Rust library or by bcmb. */
  tensors: Map<string, SafetensorsEntry>;
  /** Absolute file offset of the data region. */
  dataStart: number;
}

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
  handle: import('node:fs/promises').FileHandle,
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

async function readHeader(
  handle: import('node:fs/promises').FileHandle,
  fileSize: number,
  file: string,
): Promise<SafetensorsHeader> {
  const fail = (what: string, hint = 'The file is truncated or not a safetensors file; download it again') =>
    new CheckpointFormatError(what, { file, hint });
  if (fileSize < LENGTH_PREFIX_BYTES) {
    throw fail(`safetensors file has ${fileSize} bytes, fewer than the 8-byte header length`);
  }
  const prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
  await readExactly(handle, prefix, 0, file);
  const claimed = new DataView(prefix.buffer).getBigUint64(0, true);
  if (claimed > BigInt(MAX_HEADER_BYTES)) {
    throw fail(`safetensors header claims ${claimed} bytes, more than the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerBytes = Number(claimed);
  if (LENGTH_PREFIX_BYTES + headerBytes > fileSize) {
    throw fail(`safetensors header claims ${headerBytes} bytes but the file has only ${fileSize} bytes`);
  }
  const jsonBytes = new Uint8Array(headerBytes);
  await readExactly(handle, jsonBytes, LENGTH_PREFIX_BYTES, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes));
  } catch (cause) {
    throw new CheckpointFormatError(
      `safetensors header is not valid UTF-8 JSON: ${(cause as Error).message}`,
      {
        file,
        hint: 'The header is corrupt; download the file again',
        cause,
      },
    );
  }
  const dataStart = LENGTH_PREFIX_BYTES + headerBytes;
  return { ...parseHeaderObject(parsed, fileSize - dataStart, file), dataStart };
}

function parseHeaderObject(
  parsed: unknown,
  dataBytes: number,
  file: string,
): Omit<SafetensorsHeader, 'dataStart'> {
  const fail = (what: string) =>
    new CheckpointFormatError(what, {
      file,
      hint: 'The header is corrupt or was written by an incompatible tool; re-export it with safetensors.save_file',
    });
  if (!isPlainObject(parsed)) throw fail('safetensors header is not a JSON object');
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) throw fail('safetensors __metadata__ is not an object');
      for (const [key, text] of Object.entries(value)) {
        if (typeof text !== 'string') throw fail(`safetensors __metadata__.${key} is not a string`);
        metadata[key] = text;
      }
      continue;
    }
    tensors.set(name, parseEntry(name, value, fail));
  }
  checkOffsets(tensors, dataBytes, fail);
  return { metadata, tensors };
}

function parseEntry(name: string, value: unknown, fail: (what: string) => Error): SafetensorsEntry {
  if (!isPlainObject(value)) throw fail(`tensor "${name}" has no {dtype, shape, data_offsets} entry`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !isSafetensorsDType(dtype)) {
    throw fail(
      `tensor "${name}" has dtype ${JSON.stringify(dtype)}, which bcmb does not read (known: ${Object.keys(DTYPE_BYTES).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isByteCount)) {
    throw fail(`tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isByteCount)) {
    throw fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [start, end]`);
  }
  const [start, end] = offsets as [number, number];
  if (end < start) throw fail(`tensor "${name}" has data_offsets [${start}, ${end}] with end before start`);
  const expected = elementCount(shape as number[]) * DTYPE_BYTES[dtype];
  if (end - start !== expected) {
    throw fail(
      `tensor "${name}" (${dtype} ${JSON.stringify(shape)}) needs ${expected} bytes but spans ${end - start}`,
    );
  }
  return { dtype, shape: shape as number[], dataOffsets: [start, end] };
}

/** Like the Rust crate: sorted by offset, tensors must tile the data region exactly, with no overlap or gap. */
function checkOffsets(
  tensors: Map<string, SafetensorsEntry>,
  dataBytes: number,
  fail: (what: string) => Error,
): void {
  const byStart = [...tensors].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0]);
  let previousEnd = 0;
  let previousName = '(start of data)';
  for (const [name, { dataOffsets }] of byStart) {
    const [start, end] = dataOffsets;
    if (start < previousEnd) throw fail(`tensor "${name}" starts at ${start}, inside "${previousName}"`);
    if (start > previousEnd)
      throw fail(`tensor "${name}" starts at ${start}, leaving a gap after ${previousEnd}`);
    if (end > dataBytes) {
      throw fail(`tensor "${name}" ends at ${end}, past the ${dataBytes}-byte data region (file truncated?)`);
    }
    previousEnd = end;
    previousName = name;
  }
  if (previousEnd !== dataBytes) {
    throw fail(`tensors cover ${previousEnd} bytes but the data region has ${dataBytes}`);
  }
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isByteCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
