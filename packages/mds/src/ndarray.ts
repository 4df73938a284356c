/** numpy dtypes the MDS `ndarray` encoding knows, with their one-byte codes (streaming `encodings.py`). */
export type NdDtype =
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'float16'
  | 'uint32'
  | 'int32'
  | 'float32'
  | 'uint64'
  | 'int64'
  | 'float64';

export type NdData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array;

/** A decoded numpy array: dtype, shape and row-major values. float16 values are held as raw `Uint16Array` bits. */
export interface NdArray {
  dtype: NdDtype;
  shape: number[];
  data: NdData;
}

// mosaicml/streaming@89e7bb9082:streaming/base/format/mds/encodings.py (Ndarray dtype codes)
export const DTYPE_CODES: Record<NdDtype, number> = {
  uint8: 8,
  int8: 9,
  uint16: 16,
  int16: 17,
  float16: 18,
  uint32: 32,
  int32: 33,
  float32: 34,
  uint64: 64,
  int64: 65,
  float64: 66,
};

export const DTYPE_BY_CODE: ReadonlyMap<number, NdDtype> = new Map(
  Object.entries(DTYPE_CODES).map(([name, code]) => [code, name as NdDtype]),
);

export const ITEM_SIZE: Record<NdDtype, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  float16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  uint64: 8,
  int64: 8,
  float64: 8,
};

export function isNdDtype(name: string): name is NdDtype {
  return Object.hasOwn(DTYPE_CODES, name);
}

/** A typed-array view over `bytes` (copied when unaligned, so callers may keep it). */
export function typedArrayFromBytes(dtype: NdDtype, bytes: Uint8Array): NdData {
  const size = ITEM_SIZE[dtype];
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const { buffer, byteOffset } = aligned;
  const length = aligned.byteLength / size;
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'int8':
      return new Int8Array(buffer, byteOffset, length);
    case 'uint16':
    case 'float16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int16':
      return new Int16Array(buffer, byteOffset, length);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
    case 'uint64':
      return new BigUint64Array(buffer, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, length);
  }
}

/** Values converted to `dtype` the way numpy's `astype` does for integers (wrapping modulo 2^bits). */
export function typedArrayFrom(dtype: NdDtype, values: ArrayLike<number | bigint>): NdData {
  const n = values.length;
  const big = dtype === 'uint64' || dtype === 'int64';
  if (big) {
    const out = dtype === 'uint64' ? new BigUint64Array(n) : new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i] as number | bigint;
      out[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
    }
    return out;
  }
  const out = typedArrayFromBytes(dtype, new Uint8Array(n * ITEM_SIZE[dtype]));
  for (let i = 0; i < n; i++) (out as Float64Array)[i] = Number(values[i]);
  return out;
}

export function dtypeOfTypedArray(data: NdData): NdDtype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigUint64Array) return 'uint64';
  return 'int64';
}
