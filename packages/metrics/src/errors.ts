/** What kind of bad input a {@link MetricsInputError} reports. */
export type MetricsInputProblem =
  | 'length-mismatch'
  | 'empty-input'
  | 'not-a-number'
  | 'unknown-label-id'
  | 'invalid-label'
  | 'invalid-tag'
  | 'invalid-option'
  | 'undefined-metric';

export interface MetricsInputErrorOptions {
  /** What the caller can do about it. */
  hint?: string;
}

/**
 * Thrown for input a metric cannot score. The message reads as one line, `what. hint`, and `problem`
 * lets a caller branch without parsing it. (Own class, not `@bcmb/core`'s `BcmbError`, so that
 * `@bcmb/metrics` keeps zero runtime dependencies.)
 */
export class MetricsInputError extends Error {
  readonly problem: MetricsInputProblem;
  readonly hint: string | undefined;

  constructor(problem: MetricsInputProblem, what: string, options: MetricsInputErrorOptions = {}) {
    super(options.hint === undefined ? what : `${what}. ${options.hint}`);
    this.name = 'MetricsInputError';
    this.problem = problem;
    this.hint = options.hint;
  }
}

export function isMetricsInputError(error: unknown): error is MetricsInputError {
  return error instanceof MetricsInputError;
}
