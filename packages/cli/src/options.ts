import { InvalidArgumentError } from 'commander';

function integerAtLeast(minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`Expected a whole number of at least ${minimum}.`);
    }
    return parsed;
  };
}

/** Commander parser for counts (`--samples 64`). */
export const positiveInteger = integerAtLeast(1);
/** Commander parser for counts that may be zero (`--warmup 0`). */
export const nonNegativeInteger = integerAtLeast(0);

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
