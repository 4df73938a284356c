export {
  removeDirAtomic,
  removeStaleTemporaries,
  replaceDirAtomic,
  tempPathFor,
  writeAtomicWith,
  writeFileAtomic,
} from './atomic-write.js';
export { BcmbError, type BcmbErrorOptions, isBcmbError, type SourceLocation } from './errors.js';
export { type JsonSyntaxProblem, locateJsonSyntaxError, parseJsonText } from './json.js';
export { createProgress, type Progress, type ProgressOptions } from './progress.js';
