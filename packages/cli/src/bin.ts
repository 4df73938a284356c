#!/usr/bin/env node
import { predictCommand } from './commands/predict.js';
import { speedCommand } from './commands/speed.js';
import { createProgram, runProgram } from './program.js';

// One entry per subcommand.
const program = createProgram([speedCommand(), predictCommand()]);

runProgram(program, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
