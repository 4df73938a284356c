import { BcmbError } from '@bcmb/core';
import { Command } from 'commander';
import { nonNegativeInteger, positiveInteger } from '../options.js';
import { planCollection, type ResultFiles, writeCollection } from './collect.js';
import { runLocally, trialLabel } from './local.js';
import { hasResult, type Plan, planSweep, shellLine } from './plan.js';
import {
  DEFAULT_BACKOFF_SECONDS,
  DEFAULT_QUEUE_NAME,
  DEFAULT_RETRIES,
  enqueuePlan,
  planStatus,
  withQueue,
} from './queue.js';
import { readSweepFile } from './sweep-file.js';

interface QueueFlags {
  queue?: string;
  queueName: string;
}

async function loadPlan(file: string): Promise<Plan> {
  return planSweep(await readSweepFile(file));
}

/** Left-aligned columns, two spaces apart. */
function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function addQueueOptions(command: Command, required: boolean): Command {
  const description = 'Redis URL of the queue, e.g. redis://localhost:6379/0';
  return (
    required
      ? command.requiredOption('--queue <url>', description)
      : command.option('--queue <url>', description)
  ).option('--queue-name <name>', 'BullMQ queue name (workers must use the same)', DEFAULT_QUEUE_NAME);
}

async function runPlan(file: string, flags: { commands?: boolean }): Promise<void> {
  const plan = await loadPlan(file);
  if (flags.commands) {
    for (const trial of plan.trials) process.stdout.write(`bcmb ${shellLine(trial.args)}\n`);
    return;
  }
  const rows = [['#', 'dataset', 'model', 'run name', 'result']];
  let done = 0;
  for (const trial of plan.trials) {
    const exists = await hasResult(trial);
    done += exists ? 1 : 0;
    rows.push([
      String(trial.index),
      trial.dataset,
      trial.model,
      trial.runName,
      exists ? `${trial.outputBase}.txt` : '-',
    ]);
  }
  process.stdout.write(table(rows));
  process.stdout.write(`${plan.trials.length} trials in sweep "${plan.name}", ${done} with results.\n`);
}

interface RunFlags extends QueueFlags {
  parallel: number;
  index?: number;
  retries: number;
  backoff: number;
  retryFailed?: boolean;
}

async function runRun(file: string, extraArgs: string[], flags: RunFlags): Promise<void> {
  const plan = await loadPlan(file);
  if (flags.queue) {
    const summary = await withQueue(flags.queue, flags.queueName, async (queue) => {
      const result = await enqueuePlan(queue, plan, {
        retries: flags.retries,
        backoffSeconds: flags.backoff,
      });
      if (flags.retryFailed) {
        for (const { trial } of result.existing.filter((e) => e.state === 'failed')) {
          await (await queue.getJob(trial.id))?.retry('failed');
          process.stderr.write(`re-queued failed trial ${trialLabel(trial, plan.trials.length)}\n`);
        }
      }
      return result;
    });
    if (extraArgs.length > 0)
      process.stderr.write(
        'note: finetune flags after -- apply to local runs only; give them to bcmb worker\n',
      );
    const byState = new Map<string, number>();
    for (const { state } of summary.existing) byState.set(state, (byState.get(state) ?? 0) + 1);
    const existing = [...byState].map(([state, n]) => `${n} ${state}`).join(', ');
    process.stdout.write(
      `Sweep "${plan.name}": ${summary.added.length} job(s) added to ${flags.queueName}, ` +
        `${summary.existing.length} already queued${existing ? ` (${existing})` : ''}, ` +
        `${summary.withResults.length} already with results.\n` +
        `Start workers with: bcmb worker --queue ${flags.queue}${flags.queueName === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${flags.queueName}`}\n`,
    );
    return;
  }
  let trials = plan.trials;
  if (flags.index !== undefined) {
    const trial = plan.trials[flags.index];
    if (!trial) {
      throw new BcmbError(`--index ${flags.index} is outside the plan (0 to ${plan.trials.length - 1})`, {
        hint: 'bcmb sweep plan <file> lists the trials with their indices',
      });
    }
    trials = [trial];
  }
  const summary = await runLocally(trials, {
    parallel: flags.parallel,
    total: plan.trials.length,
    extraArgs,
  });
  if (summary.failed.length > 0) {
    throw new BcmbError(
      `${summary.failed.length} of ${trials.length} trials failed: ${summary.failed.map((t) => `#${t.index} ${t.dataset} ${t.runName}`).join(', ')}`,
      { hint: 'See their lines above; bcmb sweep run resumes them from their checkpoints' },
    );
  }
  process.stderr.write(`All ${trials.length} trial(s) have results.\n`);
}

async function runStatus(file: string, flags: QueueFlags & { queue: string }): Promise<void> {
  const plan = await loadPlan(file);
  const rows = await withQueue(flags.queue, flags.queueName, (queue) => planStatus(queue, plan));
  const lines = [['#', 'dataset', 'model', 'run name', 'state', 'detail']];
  const counts = new Map<string, number>();
  for (const row of rows) {
    lines.push([
      String(row.trial.index),
      row.trial.dataset,
      row.trial.model,
      row.trial.runName,
      row.state,
      row.detail,
    ]);
    counts.set(row.state, (counts.get(row.state) ?? 0) + 1);
  }
  process.stdout.write(table(lines));
  process.stdout.write(`${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}\n`);
}

async function runCollect(file: string, flags: QueueFlags): Promise<void> {
  const plan = await loadPlan(file);
  const results: { trial: (typeof plan.trials)[number]; files?: ResultFiles }[] = [];
  if (flags.queue) {
    await withQueue(flags.queue, flags.queueName, async (queue) => {
      for (const trial of plan.trials) {
        const job = await queue.getJob(trial.id);
        const value = job && (await job.getState()) === 'completed' ? job.returnvalue : undefined;
        results.push({ trial, ...(value ? { files: { txt: value.txt, json: value.json } } : {}) });
      }
    });
  } else {
    for (const trial of plan.trials) results.push({ trial });
  }
  const collection = await planCollection(results);
  await writeCollection(collection);
  const missing = plan.trials.length - collection.write.length - collection.present.length;
  const roots = [...new Set(plan.trials.map((t) => String(t.options['output-dir'] ?? '.')))];
  process.stdout.write(
    `Collected ${collection.write.length + collection.present.length} of ${plan.trials.length} trials ` +
      `(${collection.write.length} written, ${collection.present.length} already here and consistent), ${missing} without results.\n` +
      `Tables: ${roots.map((root) => `bcmb aggregate ${root}/outputs`).join('; ')}\n`,
  );
}

/** `bcmb sweep plan|run|status|collect <file>`: sweeps described by a YAML file. */
export function sweepFileCommands(): Command[] {
  const plan = new Command('plan')
    .description('List the trials of a sweep file, their run names and which already have results')
    .argument('<file>', 'sweep YAML file')
    .option('--commands', 'print one bcmb finetune command line per trial instead (for SLURM / W&B)')
    .action(runPlan);
  const run = addQueueOptions(
    new Command('run')
      .description('Run a sweep file here (--parallel N) or enqueue it for bcmb worker processes (--queue)')
      .argument('<file>', 'sweep YAML file')
      .argument('[finetune-flags...]', 'after --: flags added to every local trial (e.g. -- --backend wasm)'),
    false,
  )
    .option('--parallel <n>', 'local mode: trials at once', positiveInteger, 1)
    .option(
      '--index <i>',
      'local mode: run only trial i of the plan (e.g. $SLURM_ARRAY_TASK_ID)',
      nonNegativeInteger,
    )
    .option(
      '--retries <n>',
      'queue mode: retries after a failed attempt',
      nonNegativeInteger,
      DEFAULT_RETRIES,
    )
    .option(
      '--backoff <seconds>',
      'queue mode: delay before the first retry (doubles each retry)',
      nonNegativeInteger,
      DEFAULT_BACKOFF_SECONDS,
    )
    .option('--retry-failed', 'queue mode: put trials that ended as failed back in the queue')
    .action(runRun);
  const status = addQueueOptions(
    new Command('status')
      .description('Queued, running (worker, progress), done and failed trials of a sweep file')
      .argument('<file>', 'sweep YAML file'),
    true,
  ).action(runStatus);
  const collect = addQueueOptions(
    new Command('collect')
      .description(
        "Write each finished trial's .txt/.json from the queue into the output folder; refuse when files disagree",
      )
      .argument('<file>', 'sweep YAML file'),
    false,
  ).action(runCollect);
  return [plan, run, status, collect].map((command) =>
    command.showHelpAfterError(`(run bcmb sweep ${command.name()} --help for usage)`),
  );
}
