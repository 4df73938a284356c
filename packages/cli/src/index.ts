export { speedCommand } from './commands/speed.js';
export { list, nonNegativeInteger, positiveInteger } from './options.js';
export { createProgram, runProgram } from './program.js';
