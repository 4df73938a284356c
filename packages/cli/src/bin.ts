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
