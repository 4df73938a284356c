import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { familyOf, LOADABLE_WEIGHT_FILES, readConfig, TOKENIZER_DEFINING_FILES } from '@bcmb/architectures';
import { BcmbError, writeFileAtomic } from '@bcmb/core';
import { DEFAULT_RAW_ROOT, getTask, loadTask, type ProblemType } from '@bcmb/datasets';
import { pythonFloatRepr } from '@bcmb/metrics';
import { type EncoderModel, type FromPretrainedOptions, fromPretrained, randomModel } from '@bcmb/modeling';
import { loadTokenizer, researchMaxLength } from '@bcmb/tokenizer';
import { encodeExamples, type RawExample } from './encode.js';
import type { TrainingDevice, TrainingEngineName } from './engines/engine.js';
import { resolveEngine } from './engines/select.js';
import { bestMetricFor, taskMetrics } from './evaluation.js';
import type { LogEntry } from './log.js';
import { seededRandom, withMathRandomAsync } from './seed.js';
import { DEFAULT_TRAINING_ARGUMENTS, Trainer } from './trainer.js';

/** A model folder, dataset folder or option that cannot be fine-tuned on; the message says what to do. */
export class FinetuneInputError extends BcmbError {}

export interface FinetuneOptions {
  /** Task name as `@bcmb/datasets` registers it (ChemProt, Phenotype, DEID, COS, SocialHistory). */
  dataset: string;
  /** The model as the user named it (hub id or path): its last segment names the output folders. */
  model: string;
  /** Local Hugging Face folder holding that model. */
  modelDir: string;
  lr?: number;
  wd?: number;
  epochs?: number;
  seed?: number;
  batchSize?: number;
  accumulationSteps?: number;
  /** Examples per forward/backward pass; default the whole batch (see TrainingArguments.microBatchSize). */
  microBatchSize?: number;
  warmupRatio?: number;
  warmupSteps?: number;
  /** The task's raw files; default `data/raw/<task>` under the working directory. */
  dataDir?: string;
  /** Root of `outputs/`, `checkpoints/` and the processed-data cache; default the working directory. */
  outputDir?: string;
  /** Truncation length; default the research rule on the tokenizer's model_max_length. */
  maxLength?: number;
  /** Continue from the newest checkpoint of the same run. */
  resume?: boolean;
  /** Build the model from config.json with seeded random weights (the bundled demo model has no weights). */
  randomInit?: boolean;
  /** transformers' `ignore_mismatched_sizes`: start from a checkpoint with another label set (its head is re-initialised). */
  ignoreMismatchedSizes?: boolean;
  /** Called once everything is loaded, right before the first training step. */
  onTrainingStart?: () => void;
  /** Progress lines (what main.py prints); default stdout. */
  log?: (line: string) => void;
  /**
   * Print every Trainer log entry (loss, grad_norm, learning_rate, epoch every logging_steps; eval metrics each
   * epoch) through `log` as the dict transformers prints. Default: when stderr is not a terminal, where no progress
   * bar is drawn (nohup, CI, SLURM logs).
   */
  logLines?: boolean;
  signal?: AbortSignal;
  /** Training engine: `onnx`, `tfjs` or `auto` (default: onnx when onnxruntime-node loads). */
  engine?: TrainingEngineName | 'auto';
  /** ONNX Runtime device (onnx engine). */
  device?: TrainingDevice;
  threads?: number;
}

export interface FinetuneResult {
  /** `Trainer.evaluate(test)` output, keys as transformers names them. */
  testResults: LogEntry;
  bestEpoch: number | null;
  trainDurationSeconds: number;
  evalDurationSeconds: number;
  /** The research log file and its JSON twin. */
  outputFile: string;
  jsonFile: string;
  checkpointDir: string;
  logHistory: LogEntry[];
}

/** A log entry as transformers prints it: `{'loss': 0.6931, 'grad_norm': 1.2, 'learning_rate': 2e-05, 'epoch': 0.5}`. */
export function pythonLogLine(entry: LogEntry): string {
  const fields = Object.entries(entry)
    .filter(([key]) => key !== 'step')
    .map(([key, value]) => `'${key}': ${pythonFloatRepr(value)}`);
  return `{${fields.join(', ')}}`;
}

/** main.py's run name: `lr=<lr>_wd=<wd>_epochs=<e>_seed=<s>_effective_batch_size=<bs·acc>`, Python number formatting. */
export function researchBaseName(run: {
  lr: number;
  wd: number;
  epochs: number;
  seed: number;
  effectiveBatchSize: number;
}): string {
  return `lr=${pythonFloatRepr(run.lr)}_wd=${pythonFloatRepr(run.wd)}_epochs=${run.epochs}_seed=${run.seed}_effective_batch_size=${run.effectiveBatchSize}`;
}

/** main.py's `args.model.split("/")[-1]` (trailing slashes of a local path ignored). */
export function modelBaseName(model: string): string {
  return basename(model.replace(/[\\/]+$/, ''));
}

/** The text file main.py writes: test metrics, seed, effective batch size, best epoch and durations. */
export function formatResearchLog(result: {
  testResults: LogEntry;
  seed: number;
  effectiveBatchSize: number;
  bestEpoch: number | null;
  trainDurationSeconds: number;
  evalDurationSeconds: number;
}): string {
  const lines = ['Test evaluation results:'];
  for (const [key, value] of Object.entries(result.testResults))
    lines.push(`${key}: ${pythonFloatRepr(value)}`);
  lines.push('', `Seed: ${result.seed}`, `Effective batch size: ${result.effectiveBatchSize}`);
  if (result.bestEpoch !== null) lines.push(`Best epoch selected: ${pythonFloatRepr(result.bestEpoch)}`);
  lines.push(
    `Training duration (seconds): ${result.trainDurationSeconds.toFixed(2)}`,
    `Evaluation duration (seconds): ${result.evalDurationSeconds.toFixed(2)}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The checks that cost nothing (task name, data folder, output folder), done before a model is resolved or
 * downloaded. Returns the task adapter and the resolved folders.
 */
export async function checkFinetuneInputs(
  options: Pick<FinetuneOptions, 'dataset' | 'dataDir' | 'outputDir'>,
) {
  const adapter = getTask(options.dataset);
  const root = resolve(options.outputDir ?? '.');
  const rawDir = resolve(options.dataDir ?? join(DEFAULT_RAW_ROOT, adapter.dirName));
  const rawInfo = await stat(rawDir).catch(() => undefined);
  if (rawInfo === undefined) {
    throw new FinetuneInputError(`dataset folder for ${adapter.name} does not exist: ${rawDir}`, {
      hint: 'Put the raw files there or pass --data-dir <folder with them>',
    });
  }
  if (!rawInfo.isDirectory()) {
    throw new FinetuneInputError(`dataset folder for ${adapter.name} is a file, not a folder: ${rawDir}`, {
      hint: 'Pass --data-dir <folder holding the raw files>',
    });
  }
  const rootInfo = await stat(root).catch(() => undefined);
  if (rootInfo !== undefined && !rootInfo.isDirectory()) {
    throw new FinetuneInputError(`--output-dir is a file, not a folder: ${root}`, {
      hint: 'Pass a folder (it is created if missing); outputs/ and checkpoints/ go inside it',
    });
  }
  return { adapter, root, rawDir };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function checkModelDir(dir: string, needWeights: boolean): Promise<void> {
  if (!(await exists(join(dir, 'config.json')))) {
    throw new FinetuneInputError(`model folder has no config.json: ${dir}`, {
      hint: 'Pass a Hugging Face model folder or hub id to --model',
    });
  }
  const present = async (files: readonly string[]) =>
    (await Promise.all(files.map((f) => exists(join(dir, f))))).some(Boolean);
  if (needWeights && !(await present(LOADABLE_WEIGHT_FILES))) {
    throw new FinetuneInputError(
      `model folder has no weights (${LOADABLE_WEIGHT_FILES.join(', ')}): ${dir}`,
      {
        hint: 'Download the full model (bcmb resolves hub ids into the Hugging Face cache)',
      },
    );
  }
  if (!(await present(TOKENIZER_DEFINING_FILES))) {
    throw new FinetuneInputError(`model folder has no tokenizer (tokenizer.json or vocab.txt): ${dir}`, {
      hint: 'Copy the tokenizer files of the model into the folder',
    });
  }
}

/**
 * The research `main.py` end to end: load the task, tokenize, fine-tune with the Trainer's semantics, reload the
 * best epoch, evaluate on test, and write `outputs/<dataset>/<model>/<run>.txt` (+ `.json`).
 */
export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const run = {
    lr: options.lr ?? DEFAULT_TRAINING_ARGUMENTS.learningRate,
    wd: options.wd ?? DEFAULT_TRAINING_ARGUMENTS.weightDecay,
    epochs: options.epochs ?? DEFAULT_TRAINING_ARGUMENTS.epochs,
    seed: options.seed ?? DEFAULT_TRAINING_ARGUMENTS.seed,
    batchSize: options.batchSize ?? DEFAULT_TRAINING_ARGUMENTS.batchSize,
    accumulationSteps: options.accumulationSteps ?? DEFAULT_TRAINING_ARGUMENTS.accumulationSteps,
  };
  const effectiveBatchSize = run.batchSize * run.accumulationSteps;
  const { adapter, root, rawDir } = await checkFinetuneInputs(options);
  await checkModelDir(options.modelDir, options.randomInit !== true);
  const engine = await resolveEngine(options, log);
  log(`Effective batch size: ${effectiveBatchSize}`);

  const task = await loadTask(adapter.name, {
    rawDir,
    processedDir: join(root, 'data', 'processed', adapter.dirName),
  });
  const kind = task.problemType;
  const tokenizer = await loadTokenizer(options.modelDir, { addPrefixSpace: true, warn: log });
  const config = await readConfig(options.modelDir);
  const encode = (examples: RawExample[]) =>
    encodeExamples(tokenizer, examples, {
      maxLength: options.maxLength ?? researchMaxLength(tokenizer.modelMaxLength),
      withTokenTypes: familyOf(config).usesTokenTypes,
    });
  const splits = {
    train: encode(task.train as RawExample[]),
    validation: encode(task.validation as RawExample[]),
    test: encode(task.test as RawExample[]),
  };

  const model = await loadModel(options, kind, task.labelNames, run.seed);
  const baseName = researchBaseName({ ...run, effectiveBatchSize });
  const modelName = modelBaseName(options.model);
  const checkpointDir = join(root, 'checkpoints', adapter.name, modelName, baseName);
  log(`Checkpoints will be saved in: ${checkpointDir}`);
  const trainer = new Trainer({
    model,
    ownsModel: true,
    engine,
    ...(options.device ? { device: options.device } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    onNote: log,
    kind,
    padTokenId: tokenizer.specialTokens.pad?.id ?? config.padTokenId ?? 0,
    train: splits.train,
    validation: splits.validation,
    computeMetrics: taskMetrics(kind, task.labelNames),
    outputDir: checkpointDir,
    tokenizerDir: options.modelDir,
    ...((options.logLines ?? process.stderr.isTTY !== true)
      ? { onLog: (entry: LogEntry) => log(pythonLogLine(entry)) }
      : {}),
    args: {
      learningRate: run.lr,
      weightDecay: run.wd,
      epochs: run.epochs,
      seed: run.seed,
      batchSize: run.batchSize,
      accumulationSteps: run.accumulationSteps,
      ...(options.microBatchSize ? { microBatchSize: options.microBatchSize } : {}),
      warmupRatio: options.warmupRatio ?? 0,
      warmupSteps: options.warmupSteps ?? 0,
      metricForBestModel: bestMetricFor(kind),
    },
  });
  try {
    options.onTrainingStart?.();
    const trainStart = performance.now();
    const output = await trainer.train({
      resume: options.resume === true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const trainDurationSeconds = (performance.now() - trainStart) / 1000;
    if (output.resumedFrom) log(`Resumed from ${output.resumedFrom}`);
    log(`Training took ${trainDurationSeconds.toFixed(2)} seconds.`);
    const evalStart = performance.now();
    const testResults = await trainer.evaluate(splits.test);
    const evalDurationSeconds = (performance.now() - evalStart) / 1000;
    log(`Evaluation took ${evalDurationSeconds.toFixed(2)} seconds.`);
    if (output.bestEpoch !== null) log(`Best epoch: ${pythonFloatRepr(output.bestEpoch)}`);

    const outputBase = join(root, 'outputs', adapter.name, modelName, baseName);
    const summary = {
      testResults,
      seed: run.seed,
      effectiveBatchSize,
      bestEpoch: output.bestEpoch,
      trainDurationSeconds,
      evalDurationSeconds,
    };
    await writeFileAtomic(`${outputBase}.txt`, formatResearchLog(summary));
    await writeFileAtomic(
      `${outputBase}.json`,
      `${JSON.stringify(
        {
          dataset: adapter.name,
          model: options.model,
          hyperparameters: { ...run, effectiveBatchSize, warmupRatio: options.warmupRatio ?? 0 },
          test_results: testResults,
          seed: run.seed,
          effective_batch_size: effectiveBatchSize,
          best_epoch: output.bestEpoch,
          best_checkpoint: output.bestCheckpoint,
          training_duration_seconds: trainDurationSeconds,
          evaluation_duration_seconds: evalDurationSeconds,
          log_history: output.logHistory,
        },
        null,
        2,
      )}\n`,
    );
    log(`Test results and timings logged to ${outputBase}.txt`);
    return {
      testResults,
      bestEpoch: output.bestEpoch,
      trainDurationSeconds,
      evalDurationSeconds,
      outputFile: `${outputBase}.txt`,
      jsonFile: `${outputBase}.json`,
      checkpointDir,
      logHistory: output.logHistory,
    };
  } finally {
    await trainer.dispose();
  }
}

/** The task model with its head initialised from the run's seed (transformers draws it under set_seed). */
async function loadModel(
  options: FinetuneOptions,
  kind: ProblemType,
  labelNames: string[],
  seed: number,
): Promise<EncoderModel> {
  const loadOptions: FromPretrainedOptions = {
    task: kind === 'token' ? 'token-classification' : 'sequence-classification',
    id2label: Object.fromEntries(labelNames.map((name, id) => [String(id), name])),
    ...(kind === 'token'
      ? {}
      : {
          problemType: kind === 'multi_label' ? 'multi_label_classification' : 'single_label_classification',
        }),
    ...(options.ignoreMismatchedSizes ? { ignoreMismatchedSizes: true } : {}),
    onWarning: () => {},
  };
  const load = options.randomInit ? randomModel : fromPretrained;
  return withMathRandomAsync(seededRandom(seed, 'init'), () => load(options.modelDir, loadOptions));
}
