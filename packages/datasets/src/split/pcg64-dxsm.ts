import type { BitGenerator } from './bit-generator.js';
import { SeedSequence } from './seed-sequence.js';

// numpy/random/src/pcg64/pcg64.h: PCG_CHEAP_MULTIPLIER_128, the 64-bit multiplier of the "cheap multiplier" LCG.
const CHEAP_MULTIPLIER = 0xda942042e4dd58b5n;
// PCG_DEFAULT_MULTIPLIER_128: numpy seeds PCG64DXSM with PCG64's seeding routine (`pcg64_set_seed`), whose steps
// use the full 128-bit multiplier; only the draws use the cheap one.
const SEEDING_MULTIPLIER = 0x2360ed051fc65da44385df649fccf645n;
const MASK_32 = 0xffffffffn;

/**
 * numpy's `PCG64DXSM` bit generator (`np.random.Generator(np.random.PCG64DXSM(seed))`, the shuffle of ModernBERT's
 * `DistributedSamplerPCG64DXSM`): a 128-bit LCG with a 64-bit multiplier whose draws output DXSM of the state
 * before stepping it. Seeded like `PCG64` from `SeedSequence(seed)`.
 */
export class Pcg64Dxsm implements BitGenerator {
  #state: bigint;
  readonly #inc: bigint;
  #bufferedUint32: number | undefined;

  /** `pcg64_set_seed(initstate, initseq)` (= `pcg_setseq_128_srandom_r`, as for PCG64). */
  constructor(initState: bigint, initSeq: bigint) {
    this.#inc = BigInt.asUintN(128, (initSeq << 1n) | 1n);
    const seedStep = (state: bigint) => BigInt.asUintN(128, state * SEEDING_MULTIPLIER + this.#inc);
    this.#state = seedStep(BigInt.asUintN(128, seedStep(0n) + BigInt.asUintN(128, initState)));
  }

  static fromSeed(seed: number | bigint): Pcg64Dxsm {
    const [s0, s1, i0, i1] = new SeedSequence(seed).generateStateUint64(4) as [
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    return new Pcg64Dxsm((s0 << 64n) | s1, (i0 << 64n) | i1);
  }

  /** The 128-bit LCG state (numpy's `bit_generator.state['state']['state']`). */
  get state(): bigint {
    return this.#state;
  }

  get inc(): bigint {
    return this.#inc;
  }

  #step(): void {
    this.#state = BigInt.asUintN(128, this.#state * CHEAP_MULTIPLIER + this.#inc);
  }

  nextUint64(): bigint {
    let hi = this.#state >> 64n;
    const lo = BigInt.asUintN(64, this.#state) | 1n;
    hi ^= hi >> 32n;
    hi = BigInt.asUintN(64, hi * CHEAP_MULTIPLIER);
    hi ^= hi >> 48n;
    hi = BigInt.asUintN(64, hi * lo);
    this.#step();
    return hi;
  }

  /** The low half of a fresh 64-bit draw; the high half is kept for the next call (`next32` of numpy's PCG64). */
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
