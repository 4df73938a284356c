import { SplitError } from './split-error.js';

// Constants of numpy's SeedSequence (numpy/random/bit_generator.pyx, v1.26.4 L58-64).
const DEFAULT_POOL_SIZE = 4;
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;

const U32 = 0xffffffffn;

/** A non-negative integer seed as numpy's `_int_to_uint32_array` splits it: 32-bit words, least significant first. */
function seedWords(entropy: number | bigint): number[] {
  if (typeof entropy === 'number' && !Number.isSafeInteger(entropy)) {
    throw new SplitError(`SeedSequence expects an integer seed, got ${entropy}`, {
      hint: 'Pass a non-negative integer (a bigint for seeds above 2**53)',
    });
  }
  let rest = BigInt(entropy);
  if (rest < 0n) throw new SplitError('expected non-negative integer');
  if (rest === 0n) return [0];
  const words: number[] = [];
  while (rest > 0n) {
    words.push(Number(rest & U32));
    rest >>= 32n;
  }
  return words;
}

/** numpy's `hashmix`: `hashConst` is the running multiplier, updated in place. */
function hashmix(value: number, hashConst: { value: number }): number {
  let v = (value ^ hashConst.value) >>> 0;
  hashConst.value = Math.imul(hashConst.value, MULT_A) >>> 0;
  v = Math.imul(v, hashConst.value) >>> 0;
  return (v ^ (v >>> XSHIFT)) >>> 0;
}

function mix(x: number, y: number): number {
  const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
  return (r ^ (r >>> XSHIFT)) >>> 0;
}

/**
 * numpy's `SeedSequence(entropy)` (no spawn key): mixes the seed into a pool of four 32-bit
 * words and expands the pool into as many state words as a bit generator asks for.
 */
export class SeedSequence {
  /** The mixed entropy pool (numpy's `SeedSequence.pool`). */
  readonly pool: Uint32Array;

  constructor(entropy: number | bigint) {
    const words = seedWords(entropy);
    const pool = new Uint32Array(DEFAULT_POOL_SIZE);
    const hashConst = { value: INIT_A };
    for (let i = 0; i < pool.length; i++) pool[i] = hashmix(words[i] ?? 0, hashConst);
    for (let src = 0; src < pool.length; src++) {
      for (let dst = 0; dst < pool.length; dst++) {
        if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!, hashConst));
      }
    }
    for (let src = pool.length; src < words.length; src++) {
      for (let dst = 0; dst < pool.length; dst++)
        pool[dst] = mix(pool[dst]!, hashmix(words[src]!, hashConst));
    }
    this.pool = pool;
  }

  /** `generate_state(nWords, np.uint32)`. */
  generateStateUint32(nWords: number): Uint32Array {
    const state = new Uint32Array(nWords);
    let hashConst = INIT_B;
    for (let i = 0; i < nWords; i++) {
      let v = (this.pool[i % this.pool.length]! ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_B) >>> 0;
      v = Math.imul(v, hashConst) >>> 0;
      state[i] = (v ^ (v >>> XSHIFT)) >>> 0;
    }
    return state;
  }

  /** `generate_state(nWords, np.uint64)`: pairs of 32-bit words viewed little-endian. */
  generateStateUint64(nWords: number): bigint[] {
    const words = this.generateStateUint32(2 * nWords);
    return Array.from(
      { length: nWords },
      (_, i) => (BigInt(words[2 * i + 1]!) << 32n) | BigInt(words[2 * i]!),
    );
  }
}
