/**
 * numpy's `.npy` format, version 1.0, for a float32 matrix: the magic string, the header dict as `np.save` writes it
 * (`{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }`, padded with spaces and a newline so the data starts
 * at a multiple of 64 bytes), then the values little-endian, row-major. `np.load` reads it as it is.
 */

const MAGIC = [0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0];
/** numpy's ARRAY_ALIGN: the header is padded so the data begins on a 64-byte boundary. */
const ARRAY_ALIGN = 64;

/** The header bytes of a little-endian float32 array of `shape`, byte for byte what numpy writes. */
export function npyHeader(shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${dims}, }`;
  const unpadded = MAGIC.length + 2 + dict.length + 1;
  const padded = dict + ' '.repeat((ARRAY_ALIGN - (unpadded % ARRAY_ALIGN)) % ARRAY_ALIGN) + '\n';
  const header = new Uint8Array(MAGIC.length + 2 + padded.length);
  header.set(MAGIC);
  new DataView(header.buffer).setUint16(MAGIC.length, padded.length, true);
  for (let i = 0; i < padded.length; i++) header[MAGIC.length + 2 + i] = padded.charCodeAt(i);
  return header;
}

/** One row of float32 values as little-endian bytes. */
export function float32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return out;
}
