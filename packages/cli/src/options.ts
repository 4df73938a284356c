import { InvalidArgumentError } from 'commander';

function integerAtLeast(minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`Expected a whole number of at least ${minimum}.`);
    }
    return parsed;
  };
}

/** Commander parser for counts (`--samples 64`). */
export const positiveInteger = integerAtLeast(1);
/** Commander parser for counts that may be zero (`--warmup 0`). */
export const nonNegativeInteger = integerAtLeast(0);

/** Commander parser for shares such as `--warmup-ratio` (transformers refuses values outside [0, 1]). */
export function unitInterval(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new InvalidArgumentError('Expected a number from 0 to 1.');
  }
  return parsed;
}

/** Commander parser for seeds: numpy and torch accept 0 to 2^32 - 1. */
export function seed(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 0 || parsed > 2 ** 32 - 1) {
    throw new InvalidArgumentError('Expected a whole number from 0 to 4294967295.');
  }
  return parsed;
}

/** Commander collector for options given several times or as a comma-separated list (`--datasets a,b --datasets c`). */
export function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  ];
}
