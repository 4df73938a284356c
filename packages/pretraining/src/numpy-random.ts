import { Pcg64 } from '@bcmb/datasets';

// numpy/random/_common.pxd: next_double = (next_uint64 >> 11) * (1.0 / 9007199254740992.0).
const DOUBLE_SCALE = 1 / 9007199254740992;
const UINT32_MAX = 0xffffffff;

/**
 * The parts of numpy's `Generator` (`np.random.default_rng(seed)`) the packer and masking use, bit for bit:
 * `random(n)` and `integers(low, high, n)` (int64, Lemire bounded draws on buffered 32-bit outputs).
 */
export class NumpyGenerator {
  readonly bitGenerator: Pcg64;

  constructor(seed: number | bigint | Pcg64) {
    this.bitGenerator = seed instanceof Pcg64 ? seed : Pcg64.fromSeed(seed);
  }

  /** `rng.random(n)`: doubles in [0, 1). */
  random(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(this.bitGenerator.nextUint64() >> 11n) * DOUBLE_SCALE;
    return out;
  }

  /** `rng.integers(low, high, n)` for a range below 2^32 (`random_bounded_uint64_fill`, Lemire, not masked). */
  integers(low: number, high: number, n: number): Float64Array {
    const range = high - low - 1;
    const out = new Float64Array(n);
    if (range < 0) throw new RangeError(`integers: low ${low} >= high ${high}`);
    if (range === 0) return out.fill(low);
    if (range > UINT32_MAX) throw new RangeError('integers: ranges of 2^32 or more are not implemented');
    if (range === UINT32_MAX) {
      for (let i = 0; i < n; i++) out[i] = low + this.bitGenerator.nextUint32();
      return out;
    }
    const rangeExcl = range + 1;
    const threshold = (UINT32_MAX - range) % rangeExcl;
    for (let i = 0; i < n; i++) {
      // m = next_uint32 * rng_excl as a 64-bit product, split in high/low 32-bit halves without losing bits.
      let [high32, leftover] = mulSplit(this.bitGenerator.nextUint32(), rangeExcl);
      if (leftover < rangeExcl) {
        while (leftover < threshold) [high32, leftover] = mulSplit(this.bitGenerator.nextUint32(), rangeExcl);
      }
      out[i] = low + high32;
    }
    return out;
  }
}

/** [(a * b) >> 32, (a * b) & 0xffffffff] for 32-bit unsigned a, b, exactly in doubles. */
function mulSplit(a: number, b: number): [number, number] {
  const hi = (a >>> 16) * b; // < 2^48
  const hiLow16 = hi % 0x10000;
  const low = hiLow16 * 0x10000 + (a & 0xffff) * b; // < 2^49, exact
  return [(hi - hiLow16) / 0x10000 + Math.floor(low / 0x100000000), low % 0x100000000];
}
