import type { BitGenerator } from './bit-generator.js';
import { SeedSequence } from './seed-sequence.js';

// The 128-bit LCG multiplier of numpy's PCG64 (numpy/random/src/pcg64/pcg64.h, PCG_DEFAULT_MULTIPLIER_128).
const PCG64_MULTIPLIER = 0x2360ed051fc65da44385df649fccf645n;
const MASK_32 = 0xffffffffn;

/**
 * numpy's `PCG64` bit generator (`np.random.default_rng(seed)`): a 128-bit LCG whose
 * draws step the state first and then output XSL-RR of the new state.
 */
export class Pcg64 implements BitGenerator {
  #state: bigint;
  readonly #inc: bigint;
  #bufferedUint32: number | undefined;

  /** `pcg_setseq_128_srandom_r(initstate, initseq)`. */
  constructor(initState: bigint, initSeq: bigint) {
    this.#inc = BigInt.asUintN(128, (initSeq << 1n) | 1n);
    this.#state = 0n;
    this.#step();
    this.#state = BigInt.asUintN(128, this.#state + BigInt.asUintN(128, initState));
    this.#step();
  }

  /** The generator `np.random.default_rng(seed)` builds: seeded from `SeedSequence(seed).generate_state(4, uint64)`. */
  static fromSeed(seed: number | bigint): Pcg64 {
    const [s0, s1, i0, i1] = new SeedSequence(seed).generateStateUint64(4) as [
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    return new Pcg64((s0 << 64n) | s1, (i0 << 64n) | i1);
  }

  /** The 128-bit LCG state (numpy's `bit_generator.state['state']['state']`). */
  get state(): bigint {
    return this.#state;
  }

  /** The odd 128-bit increment (numpy's `bit_generator.state['state']['inc']`). */
  get inc(): bigint {
    return this.#inc;
  }

  #step(): void {
    this.#state = BigInt.asUintN(128, this.#state * PCG64_MULTIPLIER + this.#inc);
  }

  nextUint64(): bigint {
    this.#step();
    const high = this.#state >> 64n;
    const xored = BigInt.asUintN(64, high ^ this.#state);
    const rot = high >> 58n;
    return BigInt.asUintN(64, (xored >> rot) | (xored << ((64n - rot) & 63n)));
  }

  /** The low half of a fresh 64-bit draw; the high half is kept for the next call (`pcg64_next32`). */
  nextUint32(): number {
    const buffered = this.#bufferedUint32;
    if (buffered !== undefined) {
      this.#bufferedUint32 = undefined;
      return buffered;
    }
    const draw = this.nextUint64();
    this.#bufferedUint32 = Number(draw >> 32n);
    return Number(draw & MASK_32);
  }
}
