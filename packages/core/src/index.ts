export {
  removeDirAtomic,
  removeStaleTemporaries,
  replaceDirAtomic,
  tempPathFor,
  writeAtomicWith,
  writeFileAtomic,
} from './atomic-write.js';
export * from './browser.js';
export { createProgress, type Progress, type ProgressOptions } from './progress.js';
