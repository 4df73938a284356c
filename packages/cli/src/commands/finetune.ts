import { BACKEND_PREFERENCE, type BackendName, initBackend } from '@bcmb/modeling';
import { checkFinetuneInputs, DEFAULT_TRAINING_ARGUMENTS, finetune, resolveEngine } from '@bcmb/trainer';
import { Command, InvalidArgumentError, Option } from 'commander';
import { addHubOptions, type HubFlags, resolveModelFlag } from '../model-source.js';
import {
  addEngineOptions,
  type EngineFlags,
  engineOptions,
  nonNegativeInteger,
  positiveInteger,
  seed,
  unitInterval,
} from '../options.js';

/** The flags of research main.py (plus bcmb's), as commander parses them. */
export interface FinetuneFlags extends HubFlags, EngineFlags {
  dataset: string;
  model: string;
  lr: number;
  wd: number;
  epochs: number;
  seed: number;
  batchSize: number;
  accumulationSteps: number;
  microBatchSize?: number;
  warmupRatio: number;
  warmupSteps: number;
  dataDir?: string;
  outputDir: string;
  backend?: BackendName;
  maxLength?: number;
  resume?: boolean;
  ignoreMismatchedSizes?: boolean;
}

function nonNegativeNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError('Expected a non-negative number.');
  }
  return parsed;
}

/** Dashed flags that main.py / run_parallel.sh spell with underscores; both spellings are accepted. */
const UNDERSCORE_SPELLINGS = {
  batchSize: '--batch_size <n>',
  accumulationSteps: '--accumulation_steps <n>',
  microBatchSize: '--micro_batch_size <n>',
  warmupRatio: '--warmup_ratio <ratio>',
  warmupSteps: '--warmup_steps <n>',
  dataDir: '--data_dir <dir>',
  outputDir: '--output_dir <dir>',
  maxLength: '--max_length <n>',
} as const;

/** Adds the research flags shared by `finetune` and `sweep` (everything but the seed). */
export function addResearchOptions(command: Command): Command {
  const defaults = DEFAULT_TRAINING_ARGUMENTS;
  command
    .requiredOption('--dataset <name>', 'task: ChemProt, Phenotype, DEID, COS or SocialHistory')
    .requiredOption('--model <id or dir>', 'Hugging Face hub id or local model folder')
    .option('--lr <rate>', 'learning rate', nonNegativeNumber, defaults.learningRate)
    .option('--wd <decay>', 'weight decay', nonNegativeNumber, defaults.weightDecay)
    .option('--epochs <n>', 'training epochs', positiveInteger, defaults.epochs)
    .option('--batch-size <n>', 'per-device train and eval batch size', positiveInteger, defaults.batchSize)
    .option(
      '--accumulation-steps <n>',
      'gradient accumulation steps',
      positiveInteger,
      defaults.accumulationSteps,
    )
    .option(
      '--micro-batch-size <n>',
      'examples per forward/backward pass: same updates, less memory (default: the batch size)',
      positiveInteger,
    )
    .option('--warmup-ratio <ratio>', 'share of steps with linear warm-up (0 to 1)', unitInterval, 0)
    .option('--warmup-steps <n>', 'warm-up steps (wins over --warmup-ratio)', nonNegativeInteger, 0)
    .option('--data-dir <dir>', "folder with the task's raw files (default data/raw/<task>)")
    .option('--output-dir <dir>', 'root of outputs/ and checkpoints/', '.')
    .addOption(
      new Option('--backend <name>', 'tfjs engine: backend (default: fastest installed)').choices(
        BACKEND_PREFERENCE,
      ),
    )
    .option(
      '--max-length <n>',
      'truncation length (default: model_max_length, or 512 when ≥ 10000)',
      positiveInteger,
    )
    .option('--resume', 'continue from the newest checkpoint of the same run')
    .option(
      '--ignore-mismatched-sizes',
      'start from a checkpoint with another label set: weights whose shape differs (the classifier) are initialised, as transformers ignore_mismatched_sizes',
    );
  addHubOptions(command);
  addEngineOptions(command);
  const parsers: Record<keyof typeof UNDERSCORE_SPELLINGS, ((v: string) => number) | undefined> = {
    batchSize: positiveInteger,
    accumulationSteps: positiveInteger,
    microBatchSize: positiveInteger,
    warmupRatio: unitInterval,
    warmupSteps: nonNegativeInteger,
    dataDir: undefined,
    outputDir: undefined,
    maxLength: positiveInteger,
  };
  for (const [key, flags] of Object.entries(UNDERSCORE_SPELLINGS)) {
    const option = new Option(flags).hideHelp();
    const parse = parsers[key as keyof typeof UNDERSCORE_SPELLINGS];
    command.addOption(parse ? option.argParser(parse) : option);
  }
  return command;
}

/** Folds the underscore spellings into the dashed ones (an explicit underscore flag wins over a default). */
export function researchFlags<T extends object>(raw: T): T {
  const flags = { ...raw } as Record<string, unknown>;
  for (const [key, spelling] of Object.entries(UNDERSCORE_SPELLINGS)) {
    const underscored = spelling.split(' ')[0]!.slice(2);
    if (flags[underscored] !== undefined) flags[key] = flags[underscored];
    delete flags[underscored];
  }
  return flags as T;
}

async function runFinetune(raw: FinetuneFlags): Promise<void> {
  const flags = researchFlags(raw);
  // Cheap checks first: a wrong dataset, data folder or output folder fails before a hub model is downloaded.
  await checkFinetuneInputs({
    dataset: flags.dataset,
    outputDir: flags.outputDir,
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
  });
  const modelDir = (await resolveModelFlag(flags.model, flags)).dir;
  // Notes are printed when training starts, not ahead of an error about the inputs.
  const notes: string[] = [];
  const engine = await resolveEngine(engineOptions(flags), (line) => notes.push(line));
  await initBackend({
    // The onnx engine uses tfjs only to load the model: the cpu backend's arrays are freed once copied.
    ...(flags.backend ? { backend: flags.backend } : engine === 'onnx' ? { backend: 'cpu' as const } : {}),
    onReport: (line) => {
      if (engine === 'tfjs') notes.push(line);
    },
  });
  const result = await finetune({
    dataset: flags.dataset,
    model: flags.model,
    modelDir,
    lr: flags.lr,
    wd: flags.wd,
    epochs: flags.epochs,
    seed: flags.seed,
    batchSize: flags.batchSize,
    accumulationSteps: flags.accumulationSteps,
    warmupRatio: flags.warmupRatio,
    warmupSteps: flags.warmupSteps,
    outputDir: flags.outputDir,
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.maxLength ? { maxLength: flags.maxLength } : {}),
    ...(flags.microBatchSize ? { microBatchSize: flags.microBatchSize } : {}),
    ...(flags.resume ? { resume: true } : {}),
    ...(flags.ignoreMismatchedSizes ? { ignoreMismatchedSizes: true } : {}),
    ...engineOptions(flags),
    engine,
    onTrainingStart: () => {
      for (const line of notes) process.stderr.write(`${line}\n`);
    },
  });
  process.stdout.write(`Test set evaluation: ${JSON.stringify(result.testResults)}\n`);
}

/** `bcmb finetune`: the research main.py. */
export function finetuneCommand(): Command {
  return addResearchOptions(
    new Command('finetune')
      .description('Fine-tune and evaluate an encoder on a benchmark task (research main.py)')
      .showHelpAfterError('(run bcmb finetune --help for usage)'),
  )
    .option(
      '--seed <n>',
      'random seed (shuffling, dropout, head initialisation)',
      seed,
      DEFAULT_TRAINING_ARGUMENTS.seed,
    )
    .action(runFinetune);
}
