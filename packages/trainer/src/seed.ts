import seedrandom from 'seedrandom';

/** A uniform [0, 1) generator. */
export type Random = () => number;

/**
 * An independent generator for one purpose of one run, derived from the run's seed and a stream name
 * (`'shuffle', epoch`, `'dropout', step`, `'init'`), so resuming at any epoch replays the same draws.
 */
export function seededRandom(seed: number, ...stream: (string | number)[]): Random {
  return seedrandom.alea([seed, ...stream].join(':'));
}

/** 0..n-1 in a seeded Fisher–Yates order (the training sampler's shuffle). */
export function shuffledIndices(n: number, random: Random): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Runs `fn` with `Math.random` replaced by `random`. tfjs seeds every unseeded random op (dropout masks,
 * `randomNormal` initialisers) from `Math.random`, so this makes the model's dropout and the initialisation of
 * missing head weights follow the run's seed without the model knowing about seeds.
 */
export function withMathRandom<T>(random: Random, fn: () => T): T {
  const original = Math.random;
  Math.random = random;
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

/** `withMathRandom` for an async call (model loading); nothing else should draw random numbers meanwhile. */
export async function withMathRandomAsync<T>(random: Random, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = random;
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}
