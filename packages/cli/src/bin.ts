#!/usr/bin/env node
import { aggregateCommand } from './commands/aggregate.js';
import { demoCommand } from './commands/demo.js';
import { embedCommand } from './commands/embed.js';
import { finetuneCommand } from './commands/finetune.js';
import { predictCommand } from './commands/predict.js';
import { pretrainCommand } from './commands/pretrain.js';
import { speedCommand } from './commands/speed.js';
import { sweepCommand } from './commands/sweep.js';
import { workerCommand } from './commands/worker.js';
import { createProgram, runProgram } from './program.js';
import { exitWithParent } from './sweep/child.js';

exitWithParent();
// `bcmb sweep plan … | head`: a reader that stops early ends the output, not the process with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

// One entry per subcommand.
const program = createProgram([
  speedCommand(),
  predictCommand(),
  embedCommand(),
  finetuneCommand(),
  sweepCommand(),
  aggregateCommand(),
  demoCommand(),
  workerCommand(),
  pretrainCommand(),
]);

runProgram(program, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
