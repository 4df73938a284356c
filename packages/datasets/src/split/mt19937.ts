import type { BitGenerator } from './bit-generator.js';
import { SplitError } from './split-error.js';

// MT19937 parameters (numpy/random/src/mt19937/mt19937.h and mt19937.c, v1.26.4).
const STATE_LENGTH = 624;
const SHIFT_M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
// Knuth's seeding multiplier used by `mt19937_seed` (init_genrand).
const SEED_MULTIPLIER = 1812433253;
const MAX_LEGACY_SEED = 0xffffffff;

/**
 * numpy's legacy `RandomState(seed)` bit generator: MT19937 seeded with `init_genrand`,
 * drawing with `genrand_int32`.
 */
export class Mt19937 implements BitGenerator {
  // Int32 words: V8 keeps them small integers, where Uint32 words above 2**31 would be boxed doubles.
  readonly #key = new Int32Array(STATE_LENGTH);
  #pos: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_LEGACY_SEED) {
      throw new SplitError('Seed must be between 0 and 2**32 - 1');
    }
    let s = seed >>> 0;
    for (let pos = 0; pos < STATE_LENGTH; pos++) {
      this.#key[pos] = s;
      s = (Math.imul(SEED_MULTIPLIER, (s ^ (s >>> 30)) >>> 0) + pos + 1) >>> 0;
    }
    this.#pos = STATE_LENGTH;
  }

  /**
   * Python's `random.Random(seed)` for an int seed: `init_by_array` with the seed's 32-bit words, least significant
   * first (CPython Modules/_randommodule.c `random_seed` / `init_by_array`).
   */
  static fromPythonSeed(seed: number | bigint): Mt19937 {
    let n = BigInt(seed) < 0n ? -BigInt(seed) : BigInt(seed);
    const key: number[] = [];
    do {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    } while (n > 0n);
    const generator = new Mt19937(19650218);
    const mt = generator.#key;
    let i = 1;
    let j = 0;
    for (let k = Math.max(STATE_LENGTH, key.length); k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul((prev ^ (prev >>> 30)) >>> 0, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= STATE_LENGTH) {
        mt[0] = mt[STATE_LENGTH - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = STATE_LENGTH - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul((prev ^ (prev >>> 30)) >>> 0, 1566083941)) - i) >>> 0;
      i++;
      if (i >= STATE_LENGTH) {
        mt[0] = mt[STATE_LENGTH - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    return generator;
  }

  /** A copy of the 624-word key (numpy's `get_state()[1]`). */
  get key(): Uint32Array {
    return new Uint32Array(this.#key.buffer.slice(0));
  }

  #twist(): void {
    const key = this.#key;
    let i = 0;
    for (; i < STATE_LENGTH - SHIFT_M; i++) key[i] = mixed(key[i]!, key[i + 1]!, key[i + SHIFT_M]!);
    for (; i < STATE_LENGTH - 1; i++) key[i] = mixed(key[i]!, key[i + 1]!, key[i + SHIFT_M - STATE_LENGTH]!);
    key[STATE_LENGTH - 1] = mixed(key[STATE_LENGTH - 1]!, key[0]!, key[SHIFT_M - 1]!);
    this.#pos = 0;
  }

  /** `genrand_int32`: the next tempered word. */
  nextUint32(): number {
    if (this.#pos === STATE_LENGTH) this.#twist();
    let y = this.#key[this.#pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `mt19937_next64`: two 32-bit draws, the first as the high half. */
  nextUint64(): bigint {
    const high = this.nextUint32();
    return (BigInt(high) << 32n) | BigInt(this.nextUint32());
  }
}

/** One step of the twist: the upper bit of `upper`, the lower 31 of `lower`, folded into `far`. */
function mixed(upper: number, lower: number, far: number): number {
  const y = (upper & UPPER_MASK) | (lower & LOWER_MASK);
  // `-(y & 1) & MATRIX_A` is `y & 1 ? MATRIX_A : 0` without a branch (the low bit is random: unpredictable).
  return far ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
}
