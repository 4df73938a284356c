import type { BitGenerator } from './bit-generator.js';
import { SplitError } from './split-error.js';

const MAX_UINT32 = 0xffffffff;

/** The smallest all-ones bit pattern covering `max` (numpy's mask in `random_interval`). */
function coveringMask(max: number): number {
  let mask = 1;
  while (mask < max) mask = mask * 2 + 1;
  return mask;
}

/**
 * numpy's `random_interval(bitgen, max)` (distributions.c L1048-1073): a uniform integer in
 * [0, max] by masked rejection, with 32-bit draws up to 0xffffffff and 64-bit draws above.
 */
export function randomInterval(generator: BitGenerator, max: number): number {
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new SplitError(`random_interval needs a non-negative safe integer bound, got ${max}`);
  }
  if (max === 0) return 0;
  const mask = coveringMask(max);
  if (max <= MAX_UINT32) {
    let value: number;
    do value = (generator.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }
  const wideMask = BigInt(mask);
  const wideMax = BigInt(max);
  let value: bigint;
  do value = generator.nextUint64() & wideMask;
  while (value > wideMax);
  return Number(value);
}

/**
 * `permutation(n)` of numpy's `Generator` and `RandomState` alike: `arange(n)` shuffled by
 * Fisher–Yates from the end, `j = random_interval(i)` for i = n-1 down to 1.
 */
export function permutation(generator: BitGenerator, n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new SplitError(`permutation needs a non-negative integer length, got ${n}`);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i >= 1; i--) {
    const j = randomInterval(generator, i);
    const held = order[i]!;
    order[i] = order[j]!;
    order[j] = held;
  }
  return order;
}
