import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sampleOrder } from './data.js';

// numpy's Generator(PCG64DXSM(seed)).permutation(n), written by packages/datasets/scripts/pcg64_dxsm_reference.py.
const { cases } = JSON.parse(
  readFileSync(new URL('../../datasets/fixtures/pretraining-order/pcg64_dxsm.json', import.meta.url), 'utf8'),
) as { cases: { seed: number; n: number; permutation: number[] }[] };

describe('sampleOrder (DistributedSamplerPCG64DXSM on one process)', () => {
  it.each(cases.map((c) => [c.seed, c.n, c] as const))(
    'epoch 0 with shuffle_seed %i over %i samples is numpy’s PCG64DXSM permutation',
    (_seed, _n, c) => {
      expect(sampleOrder(c.n, true, c.seed, 0)).toEqual(c.permutation);
    },
  );

  it('seeds epoch e with shuffle_seed + e, and keeps the stored order without shuffle', () => {
    const [first] = cases as [{ seed: number; n: number; permutation: number[] }];
    expect(sampleOrder(first.n, true, first.seed - 3, 3)).toEqual(first.permutation);
    expect(sampleOrder(4, false, 17, 2)).toEqual([0, 1, 2, 3]);
  });
});
