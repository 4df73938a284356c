import { BcmbError } from '@bcmb/core';
import { checkFinetuneInputs } from '@bcmb/trainer';
import { Command } from 'commander';
import { hubArgs } from '../model-source.js';
import { engineArgs, list, positiveInteger } from '../options.js';
import { runPrefixed } from '../sweep/child.js';
import { sweepFileCommands } from '../sweep/commands.js';
import { addResearchOptions, type FinetuneFlags, researchFlags } from './finetune.js';

/** scripts/run_parallel.sh's seeds. */
export const SWEEP_SEEDS = [42, 43, 44, 45, 46];

interface SweepFlags extends Omit<FinetuneFlags, 'seed'> {
  seeds: string[];
  parallel: number;
}

/** The `bcmb finetune` arguments of one seed's run. */
export function finetuneArgs(flags: Omit<FinetuneFlags, 'seed'>, seed: number): string[] {
  const args = ['finetune', '--dataset', flags.dataset, '--model', flags.model];
  args.push('--lr', String(flags.lr), '--wd', String(flags.wd), '--epochs', String(flags.epochs));
  args.push('--batch-size', String(flags.batchSize), '--accumulation-steps', String(flags.accumulationSteps));
  args.push('--warmup-ratio', String(flags.warmupRatio), '--warmup-steps', String(flags.warmupSteps));
  args.push('--output-dir', flags.outputDir, '--seed', String(seed));
  if (flags.dataDir) args.push('--data-dir', flags.dataDir);
  if (flags.backend) args.push('--backend', flags.backend);
  if (flags.maxLength) args.push('--max-length', String(flags.maxLength));
  if (flags.microBatchSize) args.push('--micro-batch-size', String(flags.microBatchSize));
  if (flags.resume) args.push('--resume');
  args.push(...engineArgs(flags));
  args.push(...hubArgs(flags));
  return args;
}

async function runSweep(raw: SweepFlags): Promise<void> {
  const flags = researchFlags(raw);
  for (const key of ['dataset', 'model'] as const) {
    if (!flags[key]) {
      throw new BcmbError(`bcmb sweep needs --${key} (or a sweep file: bcmb sweep run <file>)`, {
        hint: 'Run bcmb sweep --help for usage',
      });
    }
  }
  // finetune's cheap checks once, not one failing child per seed.
  await checkFinetuneInputs({
    dataset: flags.dataset,
    outputDir: flags.outputDir,
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
  });
  const seeds = flags.seeds.length > 0 ? flags.seeds.map(Number) : SWEEP_SEEDS;
  if (seeds.some((seed) => !Number.isInteger(seed))) {
    throw new BcmbError(`--seeds must be whole numbers, got ${flags.seeds.join(',')}`);
  }
  const queue = [...seeds];
  const failed: number[] = [];
  const worker = async () => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      process.stderr.write(`Launching run with seed ${seed}\n`);
      const code = await runPrefixed(finetuneArgs(flags, seed), `[seed ${seed}]`);
      if (code !== 0) failed.push(seed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(flags.parallel, seeds.length) }, worker));
  if (failed.length > 0) {
    throw new BcmbError(
      `${failed.length} of ${seeds.length} runs failed (seeds ${failed.sort().join(', ')})`,
      {
        hint: 'See the [seed N] lines above; rerun those with bcmb finetune --resume',
      },
    );
  }
  process.stderr.write('All experiments finished.\n');
}

/**
 * `bcmb sweep`: scripts/run_parallel.sh, one `bcmb finetune` per seed; `bcmb sweep plan|run|status|collect <file>`
 * for sweep files (grids over tasks, models, seeds and any finetune option; locally or through a Redis queue).
 */
export function sweepCommand(): Command {
  const command = addResearchOptions(
    new Command('sweep')
      .description('Run bcmb finetune for several seeds (research scripts/run_parallel.sh)')
      .showHelpAfterError('(run bcmb sweep --help for usage)'),
  )
    .option('--seeds <list>', `comma-separated seeds (default ${SWEEP_SEEDS.join(',')})`, list, [])
    .option(
      '--parallel <n>',
      'runs at once (run_parallel.sh runs all; 1 suits a small CPU)',
      positiveInteger,
      1,
    )
    .action(runSweep);
  // Commander checks a parent's required options before it dispatches to a subcommand: sweep checks its own.
  for (const option of command.options) option.mandatory = false;
  for (const subcommand of sweepFileCommands()) command.addCommand(subcommand);
  return command;
}
