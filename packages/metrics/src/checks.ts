import { MetricsInputError } from './errors.js';

/** Throws a `length-mismatch` error unless two paired inputs have the same length. */
export function assertSameLength(
  first: { length: number },
  second: { length: number },
  [firstName, secondName]: readonly [string, string],
  where: string,
  hint = 'Pass them pairwise, in the same order',
): void {
  if (first.length !== second.length) {
    throw new MetricsInputError(
      'length-mismatch',
      `${where}: ${first.length} ${firstName} but ${second.length} ${secondName}`,
      { hint },
    );
  }
}

/** Throws an `empty-input` error for a metric that is undefined on no samples. */
export function assertNonEmpty(values: { length: number }, what: string): void {
  if (values.length === 0) {
    throw new MetricsInputError('empty-input', `${what} got no samples, so the score is undefined`, {
      hint: 'Pass at least one sample',
    });
  }
}
