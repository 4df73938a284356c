/** Where in an input a problem was found. `line` and `column` are 1-based. */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
}

export interface BcmbErrorOptions extends SourceLocation {
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

/**
 * Base of every error bcmb throws on purpose. The message reads as one line:
 * `what (file:line). hint`, so a CLI can print it as is.
 */
export class BcmbError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly hint: string | undefined;

  constructor(what: string, options: BcmbErrorOptions = {}) {
    super(formatMessage(what, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.hint = options.hint;
  }
}

function formatMessage(what: string, { file, line, column, hint }: BcmbErrorOptions): string {
  const position = line === undefined ? '' : `:${line}${column === undefined ? '' : `:${column}`}`;
  const where = file === undefined ? '' : ` (${file}${position})`;
  return `${what}${where}${hint === undefined ? '' : `. ${hint}`}`;
}

export function isBcmbError(error: unknown): error is BcmbError {
  return error instanceof BcmbError;
}
