export * from './browser.js';
export { readConfig } from './config-file.js';
export * from './weights/index.js';
