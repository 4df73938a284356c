import { basename } from 'node:path';
import { onnxEngineRegistrations } from '@bcmb/onnx';
import {
  type BenchmarkTarget,
  benchmarkModel,
  DEFAULT_ITERS,
  DEFAULT_SAMPLES,
  DEFAULT_SEED,
  DEFAULT_WARMUP_BATCHES,
  describeHost,
  type ModelEngineResult,
  markdownReport,
  readModelInfo,
  registerEngine,
  selectEngines,
  WORKLOAD_NAMES,
  workloadSpec,
  writeSpeedReport,
} from '@bcmb/speedbench';
import { Command } from 'commander';
import { addHubOptions, type HubFlags, resolveModelFlag } from '../model-source.js';
import { list, nonNegativeInteger, positiveInteger } from '../options.js';

interface SpeedOptions extends HubFlags {
  model: string[];
  engine?: string[];
  datasets?: string[];
  samples: number;
  iters: number;
  seed: number;
  batchSize?: number;
  warmup: number;
  memoryBudget?: number;
  outputDir: string;
  progress: boolean;
}

/** A local directory as is (config-only ones run with random weights); anything else goes through the hub cache. */
async function resolveTarget(model: string, flags: HubFlags): Promise<BenchmarkTarget> {
  const { dir, local } = await resolveModelFlag(model, flags);
  return { label: local ? basename(dir) : model, info: await readModelInfo(dir) };
}

function commandLine(): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
  return ['bcmb', ...process.argv.slice(2)].map(quote).join(' ');
}

/** Engines beyond speedbench's built-in tfjs ones; each is offered only where it can run. */
function registerExtraEngines(): void {
  for (const registration of onnxEngineRegistrations()) registerEngine(registration);
}

async function runSpeed(options: SpeedOptions): Promise<void> {
  for (const name of options.datasets ?? []) workloadSpec(name);
  registerExtraEngines();
  const engines = await selectEngines(options.engine ?? ['tfjs']);
  const targets: BenchmarkTarget[] = [];
  for (const model of options.model) targets.push(await resolveTarget(model, options));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // Taken before the run: the load average says whether other work competed for the CPU.
  const meta = {
    command: commandLine(),
    createdAt: new Date().toISOString(),
    host: describeHost(),
    samples: options.samples,
    iters: options.iters,
    seed: options.seed,
  };

  const results: ModelEngineResult[] = [];
  for (const target of targets) {
    for (const engine of engines) {
      log(
        `${target.label} on ${engine.name}${target.info.randomWeights ? ' (random weights: config.json only)' : ''}`,
      );
      results.push(
        await benchmarkModel(target, engine, {
          ...(options.datasets ? { datasets: options.datasets } : {}),
          ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          ...(options.memoryBudget === undefined
            ? {}
            : { memoryBudgetBytes: options.memoryBudget * 2 ** 20 }),
          samples: options.samples,
          iters: options.iters,
          seed: options.seed,
          warmupBatches: options.warmup,
          log,
          ...(options.progress ? {} : { progress: false }),
        }),
      );
    }
  }
  const written = await writeSpeedReport(options.outputDir, results, meta);
  process.stdout.write(markdownReport(results, meta));
  log(`Wrote ${[...written.resultFiles, written.summary, written.markdown, written.chart].join(', ')}`);
  if (results.some((result) => result.failures.length > 0)) process.exitCode = 1;
}

/** `bcmb speed`: the paper's inference-speed benchmark (research `multiprocess_bench.py`). */
export function speedCommand(): Command {
  const command = new Command('speed')
    .description(
      'Measure encoder inference speed on synthetic sets (research multiprocess_bench.py): mean ± std seconds, kTok/s.',
    )
    .requiredOption('-m, --model <dir|hub id>', 'model directory or hub id; repeat to compare models', list)
    .option(
      '-e, --engine <name>',
      'tfjs (default: its fastest installed backend), onnx, all, or an engine name such as tfjs-wasm; repeatable',
      list,
    )
    .option(
      '-d, --datasets <names>',
      `comma-separated sets (default: all the model allows): ${WORKLOAD_NAMES.join(', ')}`,
      list,
    )
    .option('--samples <n>', 'samples per set', positiveInteger, DEFAULT_SAMPLES)
    .option('--iters <n>', 'timed passes per set', positiveInteger, DEFAULT_ITERS)
    .option('--seed <n>', 'seed of the variable-length sets', nonNegativeInteger, DEFAULT_SEED)
    .option('--batch-size <n>', 'skip the batch-size search and use this size', positiveInteger)
    .option('--warmup <n>', 'untimed batches before timing', nonNegativeInteger, DEFAULT_WARMUP_BATCHES)
    .option(
      '--memory-budget <MB>',
      'CPU search: largest peak memory a batch may use (default: half of RAM)',
      positiveInteger,
    )
    .option('-o, --output-dir <dir>', 'where results JSON, markdown and SVG go', 'results')
    .option('--no-progress', 'no progress bars');
  return addHubOptions(command).action(runSpeed);
}
