import { MdsEncodeError, MdsFormatError } from './errors.js';
import {
  DTYPE_BY_CODE,
  DTYPE_CODES,
  dtypeOfTypedArray,
  ITEM_SIZE,
  isNdDtype,
  type NdArray,
  type NdData,
  type NdDtype,
  typedArrayFrom,
  typedArrayFromBytes,
} from './ndarray.js';
import { pythonJsonDumps } from './python-json.js';

/** A decoded MDS value: what `streaming`'s MDSReader returns, in JS terms. */
export type MdsValue = string | number | bigint | Uint8Array | NdArray | unknown;

/** Encodes and decodes one column; `size` is its fixed byte size, or null when each sample stores it. */
export interface ColumnCoder {
  readonly encoding: string;
  readonly size: number | null;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): MdsValue;
}

const SCALAR_DTYPES: readonly NdDtype[] = [
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'int8',
  'int16',
  'int32',
  'int64',
  'float16',
  'float32',
  'float64',
];

// Encodings of mosaicml/streaming@89e7bb9082:streaming/base/format/mds/encodings.py that need no image or pickle code.
export const SUPPORTED_ENCODINGS: readonly string[] = [
  'bytes',
  'str',
  'int',
  'json',
  'ndarray',
  'str_int',
  'str_float',
  'str_decimal',
  ...SCALAR_DTYPES,
];

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The coder for an encoding string such as `str`, `ndarray:uint16` or `ndarray:int32:2,3`. */
export function columnCoder(encoding: string): ColumnCoder {
  const colon = encoding.indexOf(':');
  const name = colon === -1 ? encoding : encoding.slice(0, colon);
  const config = colon === -1 ? undefined : encoding.slice(colon + 1);
  if (name === 'ndarray') return ndarrayCoder(encoding, config);
  if (config !== undefined) throw unsupported(encoding);
  switch (name) {
    case 'bytes':
      return variable(
        encoding,
        (v) => asBytes(v, encoding),
        (b) => b.slice(),
      );
    case 'str':
      return variable(
        encoding,
        (v) => utf8.encode(asString(v, encoding)),
        (b) => utf8Decoder.decode(b),
      );
    case 'json':
      return variable(
        encoding,
        (v) => utf8.encode(pythonJsonDumps(v)),
        (b) => JSON.parse(utf8Decoder.decode(b)),
      );
    case 'str_int':
    case 'str_float':
    case 'str_decimal':
      return variable(
        encoding,
        (v) => utf8.encode(String(v)),
        (b) => {
          const text = utf8Decoder.decode(b);
          // str_decimal keeps its exact digits as a string; str_int beyond 2^53 as a bigint.
          if (name === 'str_decimal') return text;
          if (name === 'str_int') return Number.isSafeInteger(Number(text)) ? Number(text) : BigInt(text);
          return Number(text);
        },
      );
    case 'int':
      return scalarCoder(encoding, 'int64');
    default:
      if (isNdDtype(name)) return scalarCoder(encoding, name);
      throw unsupported(encoding);
  }
}

function unsupported(encoding: string): MdsEncodeError {
  return new MdsEncodeError(`Unsupported MDS encoding ${JSON.stringify(encoding)}`, {
    hint: `Use one of ${SUPPORTED_ENCODINGS.join(', ')} (image and pickle encodings are not read by bcmb)`,
  });
}

function variable(
  encoding: string,
  encode: (value: unknown) => Uint8Array,
  decode: (bytes: Uint8Array) => MdsValue,
): ColumnCoder {
  return { encoding, size: null, encode, decode };
}

function asBytes(value: unknown, encoding: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new MdsEncodeError(`A ${encoding} column needs a Uint8Array, got ${describe(value)}`);
}

function asString(value: unknown, encoding: string): string {
  if (typeof value === 'string') return value;
  throw new MdsEncodeError(`A ${encoding} column needs a string, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

function scalarCoder(encoding: string, dtype: NdDtype): ColumnCoder {
  const size = ITEM_SIZE[dtype];
  return {
    encoding,
    size,
    encode(value) {
      if (typeof value !== 'number' && typeof value !== 'bigint') {
        throw new MdsEncodeError(`A ${encoding} column needs a number, got ${describe(value)}`);
      }
      const data = typedArrayFrom(dtype, [value]);
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
    decode(bytes) {
      if (bytes.byteLength !== size) {
        throw new MdsFormatError(`A ${encoding} value needs ${size} bytes, found ${bytes.byteLength}`);
      }
      const value = typedArrayFromBytes(dtype, bytes)[0] as number | bigint;
      if (
        typeof value === 'bigint' &&
        value >= -BigInt(Number.MAX_SAFE_INTEGER) &&
        value <= BigInt(Number.MAX_SAFE_INTEGER)
      ) {
        return Number(value);
      }
      return value;
    },
  };
}

const SHAPE_DTYPES: readonly NdDtype[] = ['uint8', 'uint16', 'uint32', 'uint64'];

function ndarrayCoder(encoding: string, config: string | undefined): ColumnCoder {
  const args = config === undefined || config === '' ? [] : config.split(':');
  if (args.length > 2) throw unsupported(encoding);
  const fixedDtype = args[0];
  if (fixedDtype !== undefined && !isNdDtype(fixedDtype)) throw unsupported(encoding);
  const fixedShape =
    args[1] === undefined ? undefined : args[1].split(',').map((dim) => Number.parseInt(dim, 10));
  if (fixedShape?.some((dim) => !(dim >= 1))) throw unsupported(encoding);
  const size =
    fixedDtype !== undefined && fixedShape !== undefined
      ? fixedShape.reduce((a, b) => a * b, 1) * ITEM_SIZE[fixedDtype]
      : null;
  return {
    encoding,
    size,
    encode(value) {
      const array = toNdArray(value, fixedDtype, encoding);
      const count = array.shape.reduce((a, b) => a * b, 1);
      if (count === 0 || array.shape.length === 0) {
        throw new MdsEncodeError(`An ${encoding} value must have at least one element and one axis`);
      }
      if (count !== array.data.length) {
        throw new MdsEncodeError(
          `Shape [${array.shape}] does not match ${array.data.length} values (${encoding})`,
        );
      }
      if (fixedDtype !== undefined && array.dtype !== fixedDtype) {
        throw new MdsEncodeError(`Wrong dtype: expected ${fixedDtype}, got ${array.dtype} (${encoding})`);
      }
      if (fixedShape !== undefined && fixedShape.join(',') !== array.shape.join(',')) {
        throw new MdsEncodeError(`Wrong shape: expected [${fixedShape}], got [${array.shape}] (${encoding})`);
      }
      const parts: Uint8Array[] = [];
      if (fixedDtype === undefined) parts.push(Uint8Array.of(DTYPE_CODES[array.dtype]));
      if (fixedShape === undefined) {
        if (array.shape.length >= 64)
          throw new MdsEncodeError(`Array has too many axes: maximum 63 (${encoding})`);
        const largest = Math.max(...array.shape);
        const code = largest < 2 ** 8 ? 0 : largest < 2 ** 16 ? 1 : largest < 2 ** 32 ? 2 : 3;
        parts.push(Uint8Array.of((array.shape.length << 2) | code));
        const shape = typedArrayFrom(SHAPE_DTYPES[code] as NdDtype, array.shape);
        parts.push(new Uint8Array(shape.buffer, shape.byteOffset, shape.byteLength));
      }
      parts.push(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength));
      return concatBytes(parts);
    },
    decode(bytes) {
      let index = 0;
      let dtype = fixedDtype;
      if (dtype === undefined) {
        const code = bytes[index++] ?? -1;
        dtype = DTYPE_BY_CODE.get(code);
        if (dtype === undefined) throw new MdsFormatError(`Unknown ndarray dtype code ${code} (${encoding})`);
      }
      let shape = fixedShape;
      if (shape === undefined) {
        const byte = bytes[index++] ?? 0;
        const ndim = byte >> 2;
        const shapeDtype = SHAPE_DTYPES[byte % 4] as NdDtype;
        const width = ITEM_SIZE[shapeDtype];
        const dims = typedArrayFromBytes(shapeDtype, bytes.subarray(index, index + ndim * width));
        shape = Array.from(dims as ArrayLike<number | bigint>, Number);
        index += ndim * width;
      }
      const data = typedArrayFromBytes(dtype, bytes.slice(index));
      const count = shape.reduce((a, b) => a * b, 1);
      if (count !== data.length) {
        throw new MdsFormatError(
          `ndarray payload holds ${data.length} values but its shape [${shape}] needs ${count}`,
        );
      }
      return { dtype, shape: [...shape], data } satisfies NdArray;
    },
  };
}

function isNdArrayLike(value: unknown): value is NdArray {
  return (
    typeof value === 'object' && value !== null && 'dtype' in value && 'shape' in value && 'data' in value
  );
}

function toNdArray(value: unknown, dtype: NdDtype | undefined, encoding: string): NdArray {
  if (isNdArrayLike(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const data = value as NdData;
    return { dtype: dtypeOfTypedArray(data), shape: [data.length], data };
  }
  if (Array.isArray(value)) {
    if (dtype === undefined) {
      throw new MdsEncodeError(`A plain array needs a dtype: use a typed array or ${encoding}:<dtype>`);
    }
    return { dtype, shape: [value.length], data: typedArrayFrom(dtype, value as number[]) };
  }
  throw new MdsEncodeError(
    `An ${encoding} column needs a typed array, number[] or {dtype, shape, data}, got ${describe(value)}`,
  );
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
