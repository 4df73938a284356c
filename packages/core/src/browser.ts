// The browser-safe part of @bcmb/core: no file system, no terminal. Bundlers pick it through the `browser`
// export condition, so packages that only need typed errors and JSON diagnostics bundle for the web.
export { BcmbError, type BcmbErrorOptions, isBcmbError, type SourceLocation } from './errors.js';
export { type JsonSyntaxProblem, locateJsonSyntaxError, parseJsonText } from './json.js';
