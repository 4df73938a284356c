import type { BitGenerator } from './bit-generator.js';
import { SeedSequence } from './seed-sequence.js';

// The 128-bit LCG multiplier of numpy's PCG64 (numpy/random/src/pcg64/pcg64.h, PCG_DEFAULT_MULTIPLIER_128).
const PCG64_MULTIPLIER = 0x2360ed051fc65da44385df649fccf645n;
const MASK_32 = 0xffffffffn;

/** `SeedSequence(seed).generate_state(4, uint64)` as numpy's PCG generators read it: `[initstate, initseq]`. */
export function pcgSeedWords(seed: number | bigint): [bigint, bigint] {
  const [s0, s1, i0, i1] = new SeedSequence(seed).generateStateUint64(4) as [bigint, bigint, bigint, bigint];
  return [(s0 << 64n) | s1, (i0 << 64n) | i1];
}

/**
 * `pcg_setseq_128_srandom_r(initstate, initseq)` with the full 128-bit multiplier: the state and increment numpy's
 * PCG64 and PCG64DXSM both start from.
 */
export function pcgSetSeed(initState: bigint, initSeq: bigint): { state: bigint; inc: bigint } {
  const inc = BigInt.asUintN(128, (initSeq << 1n) | 1n);
  const step = (state: bigint) => BigInt.asUintN(128, state * PCG64_MULTIPLIER + inc);
  return { state: step(BigInt.asUintN(128, step(0n) + BigInt.asUintN(128, initState))), inc };
}

/** numpy's `next32` for 64-bit generators: the low half of a fresh draw, the high half kept for the next call. */
export class BufferedUint32 {
  #buffered: number | undefined;

  next(nextUint64: () => bigint): number {
    const buffered = this.#buffered;
    if (buffered !== undefined) {
      this.#buffered = undefined;
      return buffered;
    }
    const draw = nextUint64();
    this.#buffered = Number(draw >> 32n);
    return Number(draw & MASK_32);
  }
}

/**
 * numpy's `PCG64` bit generator (`np.random.default_rng(seed)`): a 128-bit LCG whose
 * draws step the state first and then output XSL-RR of the new state.
 */
export class Pcg64 implements BitGenerator {
  #state: bigint;
  readonly #inc: bigint;
  readonly #uint32 = new BufferedUint32();

  /** `pcg_setseq_128_srandom_r(initstate, initseq)`. */
  constructor(initState: bigint, initSeq: bigint) {
    const { state, inc } = pcgSetSeed(initState, initSeq);
    this.#state = state;
    this.#inc = inc;
  }

  /** The generator `np.random.default_rng(seed)` builds: seeded from `SeedSequence(seed).generate_state(4, uint64)`. */
  static fromSeed(seed: number | bigint): Pcg64 {
    return new Pcg64(...pcgSeedWords(seed));
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
    return this.#uint32.next(() => this.nextUint64());
  }
}
