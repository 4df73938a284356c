import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import type { BcmbError, BcmbErrorOptions } from './errors.js';

/** Where a JSON text stops being valid JSON, 1-based, with what is wrong there. */
export interface JsonSyntaxProblem {
  line: number;
  column: number;
  what: string;
}

/**
 * Finds the first syntax error of a text `JSON.parse` refused. `JSON.parse` itself names no position for many
 * errors on Node 20, so the text is scanned again by `jsonc-parser` in strict JSON mode.
 */
export function locateJsonSyntaxError(text: string, fallback: string): JsonSyntaxProblem {
  const errors: ParseError[] = [];
  parse(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  const offset = errors[0]?.offset ?? lastOffsetBefore(text, fallback);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const what = errors[0] === undefined ? fallback : printParseErrorCode(errors[0].error);
  return { line, column: offset - lineStart + 1, what };
}

/** When jsonc-parser accepts what JSON.parse refused (e.g. a control character in a string), a position from V8's message. */
function lastOffsetBefore(text: string, message: string): number {
  const match = /position (\d+)/.exec(message);
  return match === null ? text.length : Number(match[1]);
}

/**
 * `JSON.parse`, throwing `make(what, location)` with the line and column of the first syntax error instead of a
 * bare `SyntaxError`.
 */
export function parseJsonText(
  text: string,
  make: (what: string, options: BcmbErrorOptions) => BcmbError,
  options: BcmbErrorOptions = {},
): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const { line, column, what } = locateJsonSyntaxError(text, (error as Error).message);
    throw make(`not valid JSON: ${what} at line ${line}, column ${column}`, {
      ...options,
      line,
      column,
      cause: error,
    });
  }
}
