import { Mt19937 } from '@bcmb/datasets';

/**
 * Python's `random.Random(seed)` (CPython 3): MT19937 seeded by `init_by_array`, `random()` from two draws
 * (53 bits), `randint`/`randrange` by rejection on `getrandbits(k)`, `shuffle` from the end.
 * Google BERT's create_pretraining_data.py draws everything from one such generator.
 */
export class PythonRandom {
  private readonly mt: Mt19937;

  constructor(seed: number) {
    this.mt = Mt19937.fromPythonSeed(seed);
  }

  /** `random.random()`: (a * 2^26 + b) / 2^53 with a = draw >> 5, b = draw >> 6. */
  random(): number {
    const a = this.mt.nextUint32() >>> 5;
    const b = this.mt.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `getrandbits(k)` for 0 < k <= 32. */
  private bits(k: number): number {
    return this.mt.nextUint32() >>> (32 - k);
  }

  /** `_randbelow_with_getrandbits(n)`: uniform in [0, n). */
  randbelow(n: number): number {
    if (n <= 0) throw new RangeError('randbelow needs n > 0');
    if (n >= 2 ** 32) throw new RangeError('randbelow from 2^32 on is not implemented');
    const k = 32 - Math.clz32(n); // int.bit_length()
    let r = this.bits(k);
    while (r >= n) r = this.bits(k);
    return r;
  }

  /** `randint(a, b)`: uniform in [a, b]. */
  randint(a: number, b: number): number {
    return a + this.randbelow(b - a + 1);
  }

  /** `shuffle(x)` in place. */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
  }
}
