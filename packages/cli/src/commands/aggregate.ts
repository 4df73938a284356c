import { join } from 'node:path';
import { BcmbError, writeFileAtomic } from '@bcmb/core';
import {
  aggregateCsv,
  aggregateMarkdown,
  aggregateRuns,
  collectRuns,
  modelTaskCells,
  modelTaskCsv,
  modelTaskMarkdown,
} from '@bcmb/trainer';
import { Command } from 'commander';

async function runAggregate(dir: string): Promise<void> {
  const records = await collectRuns(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new BcmbError(`results folder does not exist: ${dir}`);
    throw error;
  });
  if (records.length === 0) {
    throw new BcmbError(`no run logs (lr=…_wd=…_epochs=…_seed=…_effective_batch_size=….txt) under ${dir}`, {
      hint: 'Point at the outputs/ folder bcmb finetune writes',
    });
  }
  const rows = aggregateRuns(records);
  const markdown = aggregateMarkdown(rows);
  await writeFileAtomic(join(dir, 'aggregated_results.csv'), aggregateCsv(rows));
  await writeFileAtomic(join(dir, 'aggregated_results.md'), markdown);
  const cells = modelTaskCells(rows);
  const table = modelTaskMarkdown(cells);
  await writeFileAtomic(join(dir, 'models_by_tasks.csv'), modelTaskCsv(cells));
  await writeFileAtomic(join(dir, 'models_by_tasks.md'), table);
  process.stdout.write(
    `${markdown}\nHeadline metric by model and task (mean ± std over seeds):\n\n${table}\n` +
      `Aggregated ${records.length} runs into ${join(dir, 'aggregated_results.csv')} and ${join(dir, 'models_by_tasks.csv')}\n`,
  );
}

/** `bcmb aggregate`: results/aggregate_results.py. */
export function aggregateCommand(): Command {
  return new Command('aggregate')
    .description('Mean ± std over seeds of bcmb finetune results (research results/aggregate_results.py)')
    .argument('<outputs-dir>', 'folder holding outputs/<dataset>/<model>/*.txt (or a part of it)')
    .showHelpAfterError('(run bcmb aggregate --help for usage)')
    .action(runAggregate);
}
