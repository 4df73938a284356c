import type { SafetensorsDType } from './state-dict.js';

/** Bytes per element of each readable dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isSafetensorsDType(name: string): name is SafetensorsDType {
  return Object.hasOwn(DTYPE_BYTES, name);
}

let halfTable: Float32Array | undefined;

/** All 65536 IEEE half values as float32, built once: a table lookup is the fastest F16 → F32 path in JS. */
function halfToFloatTable(): Float32Array {
  if (halfTable !== undefined) return halfTable;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) table[bits] = mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else table[bits] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  halfTable = table;
  return table;
}

/**
 * Reads element `index` of little-endian `dtype` data as a number, for strided gathers.
 * Returns a function so the dtype switch happens once per tensor, not once per element.
 */
export function elementReader(dtype: SafetensorsDType, bytes: Uint8Array): (index: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F64':
      return (i) => view.getFloat64(i * 8, true);
    case 'F32':
      return (i) => view.getFloat32(i * 4, true);
    case 'F16': {
      const table = halfToFloatTable();
      return (i) => table[view.getUint16(i * 2, true)]!;
    }
    case 'BF16': {
      const word = new DataView(new ArrayBuffer(4));
      return (i) => {
        word.setUint32(0, view.getUint16(i * 2, true) << 16, true);
        return word.getFloat32(0, true);
      };
    }
    case 'I64':
      return (i) => Number(view.getBigInt64(i * 8, true));
    case 'I32':
      return (i) => view.getInt32(i * 4, true);
    case 'I16':
      return (i) => view.getInt16(i * 2, true);
    case 'I8':
      return (i) => view.getInt8(i);
    case 'U8':
    case 'BOOL':
      return (i) => view.getUint8(i);
  }
}

/** Converts `count` contiguous little-endian elements to a fresh Float32Array. */
export function toFloat32(dtype: SafetensorsDType, bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32: shift the 16 bits into place, no arithmetic.
    const words = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) words[i] = (bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16;
    return out;
  }
  if (dtype === 'F16') {
    const table = halfToFloatTable();
    for (let i = 0; i < count; i++) out[i] = table[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
    return out;
  }
  const read = elementReader(dtype, bytes);
  for (let i = 0; i < count; i++) out[i] = read(i);
  return out;
}
