import { resolve } from 'node:path';
import { Command } from 'commander';
import { positiveInteger } from '../options.js';
import { connectionFor, DEFAULT_QUEUE_NAME } from '../sweep/queue.js';
import { startWorker } from '../sweep/worker.js';

interface WorkerFlags {
  queue: string;
  queueName: string;
  concurrency: number;
  dir: string;
  lockSeconds: number;
  maxStalls: number;
}

async function runWorker(extraArgs: string[], flags: WorkerFlags): Promise<void> {
  connectionFor(flags.queue);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const { name, stop } = startWorker({
    url: flags.queue,
    queueName: flags.queueName,
    concurrency: flags.concurrency,
    extraArgs,
    cwd: resolve(flags.dir),
    lockSeconds: flags.lockSeconds,
    maxStalls: flags.maxStalls,
    log,
  });
  log(
    `worker ${name} waiting for trials on ${flags.queueName} (${flags.queue}), ${flags.concurrency} at a time`,
  );
  await new Promise<void>((resolvePromise) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // Second signal: leave now; the running trials die with this process and go to another worker.
        log(`worker: ${signal} again, exiting without waiting`);
        process.exit(130);
      }
      stopping = true;
      log(`worker: ${signal}, finishing the running trials (signal again to exit now)`);
      stop().then(resolvePromise, resolvePromise);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log('worker: stopped');
}

/** `bcmb worker`: takes sweep trials from a Redis queue and runs each as a child `bcmb finetune`. */
export function workerCommand(): Command {
  return new Command('worker')
    .description(
      'Run sweep trials from a Redis queue (bcmb sweep run <file> --queue …), each as bcmb finetune',
    )
    .requiredOption('--queue <url>', 'Redis URL, e.g. redis://localhost:6379/0')
    .option('--queue-name <name>', 'BullMQ queue name', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'trials at once on this machine', positiveInteger, 1)
    .option('--dir <folder>', "folder the trials' relative paths are resolved against", '.')
    .option(
      '--lock-seconds <n>',
      "a dead worker's trial goes to another worker after about this long",
      positiveInteger,
      30,
    )
    .option('--max-stalls <n>', 'times a trial may lose its worker before it is failed', positiveInteger, 3)
    .argument('[finetune-flags...]', 'after --: flags added to every trial (e.g. -- --backend wasm)')
    .showHelpAfterError('(run bcmb worker --help for usage)')
    .action(runWorker);
}
