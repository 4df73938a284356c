import type { BitGenerator } from './bit-generator.js';
import { BufferedUint32, pcgSeedWords, pcgSetSeed } from './pcg64.js';

// numpy/random/src/pcg64/pcg64.h: PCG_CHEAP_MULTIPLIER_128, the 64-bit multiplier of the "cheap multiplier" LCG.
const CHEAP_MULTIPLIER = 0xda942042e4dd58b5n;
// numpy seeds PCG64DXSM with PCG64's seeding routine (`pcg64_set_seed`, the full 128-bit multiplier); only the
// draws use the cheap one.

/**
 * numpy's `PCG64DXSM` bit generator (`np.random.Generator(np.random.PCG64DXSM(seed))`, the shuffle of ModernBERT's
 * `DistributedSamplerPCG64DXSM`): a 128-bit LCG with a 64-bit multiplier whose draws output DXSM of the state
 * before stepping it. Seeded like `PCG64` from `SeedSequence(seed)`.
 */
export class Pcg64Dxsm implements BitGenerator {
  #state: bigint;
  readonly #inc: bigint;
  readonly #uint32 = new BufferedUint32();

  /** `pcg64_set_seed(initstate, initseq)` (= `pcg_setseq_128_srandom_r`, as for PCG64). */
  constructor(initState: bigint, initSeq: bigint) {
    const { state, inc } = pcgSetSeed(initState, initSeq);
    this.#state = state;
    this.#inc = inc;
  }

  static fromSeed(seed: number | bigint): Pcg64Dxsm {
    return new Pcg64Dxsm(...pcgSeedWords(seed));
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
    return this.#uint32.next(() => this.nextUint64());
  }
}
