import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Pcg64Dxsm } from './pcg64-dxsm.js';
import { permutation } from './permutation.js';

interface Case {
  seed: number;
  n: number;
  state: string;
  inc: string;
  first8_uint64: string[];
  permutation: number[];
}
// Written by scripts/pcg64_dxsm_reference.py with numpy.
const { cases } = JSON.parse(
  readFileSync(new URL('../../fixtures/pretraining-order/pcg64_dxsm.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

describe.each(cases.map((c) => [c.seed, c.n, c] as const))('numpy PCG64DXSM(%i)', (_seed, _n, c) => {
  it('starts at numpy’s state and increment', () => {
    const generator = Pcg64Dxsm.fromSeed(c.seed);
    expect(generator.state.toString()).toBe(c.state);
    expect(generator.inc.toString()).toBe(c.inc);
  });

  it('draws numpy’s first 8 raw uint64 values', () => {
    const generator = Pcg64Dxsm.fromSeed(c.seed);
    expect(Array.from({ length: 8 }, () => generator.nextUint64().toString())).toEqual(c.first8_uint64);
  });

  it('permutes like Generator(PCG64DXSM(seed)).permutation(n) (the DistributedSamplerPCG64DXSM order)', () => {
    expect(permutation(Pcg64Dxsm.fromSeed(c.seed), c.n)).toEqual(c.permutation);
  });
});
