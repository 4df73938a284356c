import { DTYPE_BYTES, isSafetensorsDType, toFloat32 } from './dtype.js';
import { CheckpointFormatError } from './errors.js';
import { elementCount, type SafetensorsDType, type StateDict } from './state-dict.js';

// The safetensors layout without any file system: shared by the Node reader (safetensors.ts) and by readers of
// bytes (a fetch, a file picked in a browser).

/** Same cap as the Rust `safetensors` crate (MAX_HEADER_SIZE): a larger claimed header is corrupt, not big. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bytes of the little-endian u64 header length that opens every file. */
export const LENGTH_PREFIX_BYTES = 8;

/** The Rust writer pads the JSON header with spaces to a multiple of this, so tensor data starts aligned. */
export const HEADER_ALIGNMENT = 8;

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

/**
 * The header length the 8-byte little-endian prefix claims, checked against the cap and the file size.
 * `file` names the file in errors.
 */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  const fail = (what: string) =>
    new CheckpointFormatError(what, {
      file,
      hint: 'The file is truncated or not a safetensors file; download it again',
    });
  if (fileSize < LENGTH_PREFIX_BYTES) {
    throw fail(`safetensors file has ${fileSize} bytes, fewer than the 8-byte header length`);
  }
  const claimed = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES).getBigUint64(0, true);
  if (claimed > BigInt(MAX_HEADER_BYTES)) {
    throw fail(`safetensors header claims ${claimed} bytes, more than the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerBytes = Number(claimed);
  if (LENGTH_PREFIX_BYTES + headerBytes > fileSize) {
    throw fail(`safetensors header claims ${headerBytes} bytes but the file has only ${fileSize} bytes`);
  }
  return headerBytes;
}

/** Decodes and validates the JSON header (`jsonBytes`, right after the prefix) of a file of `fileSize` bytes. */
export function parseHeaderJson(jsonBytes: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
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
  const dataStart = LENGTH_PREFIX_BYTES + jsonBytes.byteLength;
  return { ...parseHeaderObject(parsed, fileSize - dataStart, file), dataStart };
}

/** Tensor bytes are little-endian in every format read here; views over them assume a little-endian host. */
export function hostIsLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/**
 * Every tensor of a `.safetensors` file held in memory (a fetch response, a picked `File`'s bytes), as float32.
 * F32 tensors are copied once out of `bytes`; `source` names the file in errors.
 */
export function parseSafetensors(bytes: Uint8Array, source = 'model.safetensors'): StateDict {
  if (!hostIsLittleEndian()) {
    throw new CheckpointFormatError('bcmb reads checkpoints only on little-endian hosts', { file: source });
  }
  const length = headerLength(bytes.subarray(0, LENGTH_PREFIX_BYTES), bytes.byteLength, source);
  const header = parseHeaderJson(
    bytes.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + length),
    bytes.byteLength,
    source,
  );
  const dict: StateDict = new Map();
  for (const [name, entry] of header.tensors) {
    const raw = bytes.subarray(
      header.dataStart + entry.dataOffsets[0],
      header.dataStart + entry.dataOffsets[1],
    );
    const count = elementCount(entry.shape);
    const data =
      entry.dtype === 'F32'
        ? new Float32Array(raw.slice().buffer, 0, count)
        : toFloat32(entry.dtype, raw.slice(), count);
    dict.set(name, { shape: entry.shape, data });
  }
  return dict;
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isByteCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
