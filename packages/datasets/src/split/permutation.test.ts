import { describe, expect, it } from 'vitest';
import type { BitGenerator } from './bit-generator.js';
import { Mt19937 } from './mt19937.js';
import { Pcg64 } from './pcg64.js';
import { permutation, randomInterval } from './permutation.js';
import { extraVectors, type PermutationSummary, rngVectors } from './test-fixtures.js';

const TRACE_LENGTH = 10;

const generators = [
  { name: 'default_rng', make: (seed: number): BitGenerator => Pcg64.fromSeed(seed) },
  { name: 'RandomState', make: (seed: number): BitGenerator => new Mt19937(seed) },
] as const;

function permutationsOf(name: 'default_rng' | 'RandomState', seedText: string): [string, number[]][] {
  const vectors = rngVectors()[seedText]!;
  return Object.entries(
    name === 'default_rng' ? vectors.default_rng_permutation : vectors.RandomState_permutation,
  );
}

function swapTraceOf(name: 'default_rng' | 'RandomState', seedText: string): [number, number][] {
  const vectors = rngVectors()[seedText]!;
  return name === 'default_rng'
    ? vectors.default_rng_permutation10_swaps_i_j
    : vectors.RandomState_permutation10_swaps_i_j;
}

function summarise(perm: number[]): PermutationSummary {
  return {
    n: perm.length,
    head: perm.slice(0, 10),
    tail: perm.slice(-10),
    weighted_sum: perm.reduce((sum, value, i) => sum + (i + 1) * value, 0),
  };
}

describe.each(generators)('$name(seed).permutation(n)', ({ name, make }) => {
  describe.each(Object.keys(rngVectors()))('seed %s', (seedText) => {
    const seed = Number(seedText);

    it.each(permutationsOf(name, seedText))('matches numpy for n=%s', (nText, expected) => {
      expect(permutation(make(seed), Number(nText))).toEqual(expected);
    });

    it(`draws the recorded Fisher–Yates swap trace of permutation(${TRACE_LENGTH})`, () => {
      const generator = make(seed);
      const trace: [number, number][] = [];
      for (let i = TRACE_LENGTH - 1; i >= 1; i--) trace.push([i, randomInterval(generator, i)]);
      expect(trace).toEqual(swapTraceOf(name, seedText));

      const replayed = Array.from({ length: TRACE_LENGTH }, (_, k) => k);
      for (const [i, j] of trace) [replayed[i], replayed[j]] = [replayed[j]!, replayed[i]!];
      expect(replayed).toEqual(permutation(make(seed), TRACE_LENGTH));
    });
  });
});

describe('long permutations', () => {
  const large = extraVectors().large_permutations;

  it('matches default_rng(42).permutation(100000) from numpy', () => {
    expect(summarise(permutation(Pcg64.fromSeed(42), large.default_rng_42.n))).toEqual(large.default_rng_42);
  });

  it('matches RandomState(42).permutation(100000) from numpy', () => {
    expect(summarise(permutation(new Mt19937(42), large.RandomState_42.n))).toEqual(large.RandomState_42);
  });
});

/** A generator that replays fixed draws, to drive random_interval through chosen branches. */
function scripted(uint32: number[], uint64: bigint[]): BitGenerator {
  return { nextUint32: () => uint32.shift()!, nextUint64: () => uint64.shift()! };
}

describe('randomInterval', () => {
  it('masks 32-bit draws to the smallest all-ones cover of max and rejects values above max', () => {
    // max 5 → mask 7: 0xffffffff & 7 = 7 and 6 are rejected, 0x10 & 7 = 0 is accepted.
    expect(randomInterval(scripted([0xffffffff, 6, 0x10], []), 5)).toBe(0);
  });

  it('returns 0 for max 0 without drawing', () => {
    expect(randomInterval(scripted([], []), 0)).toBe(0);
  });

  it('switches to 64-bit draws above 0xffffffff', () => {
    const max = 2 ** 33;
    // mask 2**34 - 1: the first draw masks to 2**34 - 1 > max and is rejected.
    expect(randomInterval(scripted([], [0xffffffffffffffffn, 2n ** 40n + 12345n]), max)).toBe(12345);
  });
});
