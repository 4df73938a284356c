export * from './browser.js';
export { loadTokenizer } from './load.js';
