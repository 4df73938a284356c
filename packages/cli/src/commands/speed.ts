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
  formatDuration,
  type ModelEngineResult,
  markdownReport,
  measureGemmRate,
  readModelInfo,
  registerEngine,
  selectDatasets,
  selectEngines,
  WORKLOAD_NAMES,
  workloadFlops,
  workloadSpec,
  writeSpeedReport,
} from '@bcmb/speedbench';
import { Command } from 'commander';
import { addHubOptions, type HubFlags, resolveModelFlag } from '../model-source.js';
import { list, nonNegativeInteger, positiveInteger } from '../options.js';

interface SpeedOptions extends HubFlags {
  model: string[];
  quick?: boolean;
  engine?: string[];
  datasets?: string[];
  samples?: number;
  iters?: number;
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

/**
 * `--quick`: the research sets' shapes on a small sample, for a first look on a CPU in minutes (the full workload,
 * 4096 samples × 10 passes per set, takes days there). Flags given explicitly win over the preset.
 */
export const QUICK_PRESET = {
  datasets: ['fixed_short', 'variable_short'],
  samples: 8,
  iters: 2,
  batchSize: 4,
} as const;

/** Above this estimate, a run without `--quick` gets a warning before it starts. */
const LONG_RUN_SECONDS = 3600;

async function runSpeed(raw: SpeedOptions): Promise<void> {
  const options: SpeedOptions & { samples: number; iters: number } = {
    ...raw,
    samples: raw.samples ?? (raw.quick ? QUICK_PRESET.samples : DEFAULT_SAMPLES),
    iters: raw.iters ?? (raw.quick ? QUICK_PRESET.iters : DEFAULT_ITERS),
    ...(raw.quick && raw.datasets === undefined ? { datasets: [...QUICK_PRESET.datasets] } : {}),
    ...(raw.quick && raw.batchSize === undefined ? { batchSize: QUICK_PRESET.batchSize } : {}),
  };
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

  await printEstimate(targets, engines.length, options, log);

  const results: ModelEngineResult[] = [];
  // Each finished model × engine is written at once, so an interrupted or timed-out run keeps what it measured.
  const save = () => writeSpeedReport(options.outputDir, results, meta);
  const interrupted = (signal: NodeJS.Signals) => {
    log(
      results.length === 0
        ? `Interrupted (${signal}) before any model × engine finished; nothing was written.`
        : `Interrupted (${signal}): the ${results.length} finished model × engine run(s) are in ${options.outputDir}/.`,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
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
      await save();
    }
  }
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  const written = await save();
  process.stdout.write(markdownReport(results, meta));
  log(`Wrote ${[...written.resultFiles, written.summary, written.markdown, written.chart].join(', ')}`);
  if (results.some((result) => result.failures.length > 0)) process.exitCode = 1;
}

/** Prints the estimated total time before a run starts, and a warning when it runs for hours. */
async function printEstimate(
  targets: readonly BenchmarkTarget[],
  engineCount: number,
  options: SpeedOptions & { samples: number; iters: number },
  log: (line: string) => void,
): Promise<void> {
  let flops = 0;
  try {
    for (const target of targets) {
      const sets = selectDatasets(options.datasets, target.info.maxLength).run;
      flops += await workloadFlops(target.info.dir, sets, {
        samples: options.samples,
        iters: options.iters,
        warmupBatches: options.warmup,
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      });
    }
  } catch {
    return; // a config the estimate cannot read fails properly when its engine loads it
  }
  const rate = await measureGemmRate();
  // A whole encoder reaches about half of a plain GEMM's rate on CPU backends.
  const seconds = (flops * engineCount) / (rate.gflops * 1e9 * 0.5);
  log(
    `Estimated time: about ${formatDuration(seconds)} for ${targets.length} model(s) × ${engineCount} engine(s) ` +
      `(${(flops / 1e12).toFixed(1)} TFLOP per engine at half the ${rate.gflops.toFixed(0)} GFLOP/s GEMM rate ${rate.backend} measures now; ` +
      `${options.batchSize === undefined ? 'plus the batch-size search; ' : ''}a rough guide).`,
  );
  if (seconds > LONG_RUN_SECONDS && !options.quick) {
    log(
      `This is the research's full workload (${options.samples} samples × ${options.iters} passes per set). ` +
        'For a first look, stop now (Ctrl-C) and add --quick: the same sets on a small sample, minutes on a CPU.',
    );
  }
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
    .option(
      '--quick',
      `small preset for a first look on a CPU: sets ${QUICK_PRESET.datasets.join(',')}, ${QUICK_PRESET.samples} samples, ${QUICK_PRESET.iters} passes, batch size ${QUICK_PRESET.batchSize} (explicit flags win)`,
    )
    .option('--samples <n>', `samples per set (default ${DEFAULT_SAMPLES}, the research's)`, positiveInteger)
    .option('--iters <n>', `timed passes per set (default ${DEFAULT_ITERS})`, positiveInteger)
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
