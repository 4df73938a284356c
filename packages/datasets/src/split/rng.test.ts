import { describe, expect, it } from 'vitest';
import { Mt19937 } from './mt19937.js';
import { Pcg64 } from './pcg64.js';
import { SeedSequence } from './seed-sequence.js';
import { SplitError } from './split-error.js';
import { extraVectors, hex, rngVectors } from './test-fixtures.js';

const DRAWS = 20;

describe.each(Object.entries(rngVectors()))('numpy generators seeded with %s', (seedText, vectors) => {
  const seed = Number(seedText);

  it('mixes the same SeedSequence pool and generate_state words as numpy', () => {
    const sequence = new SeedSequence(seed);
    expect([...sequence.pool]).toEqual(vectors.SeedSequence_pool_u32);
    expect([...sequence.generateStateUint32(4)]).toEqual(vectors.SeedSequence_generate_state_4_uint32);
    expect(sequence.generateStateUint64(4).map(hex)).toEqual(
      vectors.SeedSequence_generate_state_4_uint64_hex,
    );
  });

  it('starts PCG64 at the state and increment of default_rng(seed)', () => {
    const generator = Pcg64.fromSeed(seed);
    expect(hex(generator.state)).toBe(vectors.PCG64_initial_state_hex);
    expect(hex(generator.inc)).toBe(vectors.PCG64_inc_hex);
  });

  it('draws the first 20 PCG64 next_uint64 values', () => {
    const generator = Pcg64.fromSeed(seed);
    const draws = Array.from({ length: DRAWS }, () => hex(generator.nextUint64()));
    expect(draws).toEqual(vectors.PCG64_first20_uint64_hex);
  });

  it('draws the first 20 buffered PCG64 next_uint32 values (low half, then the buffered high half)', () => {
    const generator = Pcg64.fromSeed(seed);
    const draws = Array.from({ length: DRAWS }, () => generator.nextUint32());
    expect(draws).toEqual(vectors.PCG64_first20_next_uint32);
  });

  it('seeds MT19937 like RandomState(seed) and draws its first 20 genrand_int32 values', () => {
    const generator = new Mt19937(seed);
    expect([...generator.key.slice(0, 4)]).toEqual(vectors.MT19937_RandomState_key0_4);
    const draws = Array.from({ length: DRAWS }, () => generator.nextUint32());
    expect(draws).toEqual(vectors.MT19937_RandomState_first20_uint32);
  });
});

describe('generator seeding errors', () => {
  it('refuses a negative SeedSequence seed as numpy does', () => {
    expect(() => new SeedSequence(-1)).toThrow(new SplitError('expected non-negative integer'));
  });

  it('refuses a RandomState seed outside 32 bits as numpy does', () => {
    expect(() => new Mt19937(2 ** 32)).toThrow(new SplitError('Seed must be between 0 and 2**32 - 1'));
  });

  it.each(Object.entries(extraVectors().seed_sequence_pools))(
    'folds every 32-bit word of the wide seed %s into the pool as numpy does',
    (seedText, pool) => {
      expect([...new SeedSequence(BigInt(seedText)).pool]).toEqual(pool);
    },
  );
});
