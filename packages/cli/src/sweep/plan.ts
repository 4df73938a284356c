import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { getTask } from '@bcmb/datasets';
import { DEFAULT_TRAINING_ARGUMENTS, modelBaseName, researchBaseName } from '@bcmb/trainer';
import { finetuneCommand } from '../commands/finetune.js';
import { dashed, type SweepFile, SweepFileError, type TrialOptions } from './sweep-file.js';

/** One planned `bcmb finetune` run: its command line, where its results go and its queue identity. */
export interface Trial {
  /** Position in the plan, 0-based (what `$SLURM_ARRAY_TASK_ID` indexes). */
  index: number;
  options: TrialOptions;
  /** `bcmb` arguments, starting with `finetune`. */
  args: string[];
  dataset: string;
  model: string;
  /** The research base name: `lr=…_wd=…_epochs=…_seed=…_effective_batch_size=…`. */
  runName: string;
  /** `<output-dir>/outputs/<dataset>/<model basename>/<run name>` (add `.txt` / `.json`). */
  outputBase: string;
  checkpointDir: string;
  /** Deterministic queue job id: the same options give the same id, so enqueuing twice adds nothing. */
  id: string;
}

export interface Plan {
  name: string;
  file: string;
  trials: Trial[];
}

/** Options the sweep runner decides itself. */
const RUNNER_OPTIONS = new Set(['resume']);

/** Long option names `bcmb finetune` accepts, dashed, read from the command itself so new options need no change here. */
function finetuneOptionNames(): Set<string> {
  return new Set(finetuneCommand().options.map((option) => dashed(option.long ?? '')));
}

/** `{dataset}`-style references to the trial's own options inside string values (e.g. `data-dir: raw/{dataset}`). */
function substitute(options: TrialOptions, file: string): TrialOptions {
  const out: TrialOptions = {};
  for (const [key, value] of Object.entries(options)) {
    out[key] =
      typeof value !== 'string'
        ? value
        : value.replace(/\{([\w-]+)\}/g, (_, name: string) => {
            const ref = options[dashed(name)];
            if (ref === undefined || typeof ref === 'boolean') {
              throw new SweepFileError(
                `${key}: "${value}" refers to {${name}}, which this trial does not set`,
                {
                  file,
                },
              );
            }
            return String(ref);
          });
  }
  return out;
}

function numberOption(options: TrialOptions, key: string, fallback: number, file: string): number {
  const value = options[key];
  if (value === undefined) return fallback;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || !Number.isFinite(parsed)) {
    throw new SweepFileError(`${key} must be a number, got ${JSON.stringify(value)}`, { file });
  }
  return parsed;
}

/** `bcmb finetune` arguments: dataset and model first, then the rest in file order. */
function finetuneArgs(options: TrialOptions): string[] {
  const args = ['finetune'];
  const keys = ['dataset', 'model', ...Object.keys(options).filter((k) => k !== 'dataset' && k !== 'model')];
  for (const key of keys) {
    const value = options[key];
    if (value === undefined || value === false) continue;
    args.push(`--${key}`);
    if (value !== true) args.push(String(value));
  }
  return args;
}

function jobId(options: TrialOptions): string {
  const canonical = JSON.stringify(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `trial-${createHash('sha256').update(canonical).digest('hex').slice(0, 24)}`;
}

/** Checks every trial's options against `bcmb finetune` and derives run names, result paths and job ids. */
export function planSweep(sweep: SweepFile): Plan {
  const known = finetuneOptionNames();
  const seen = new Set<string>();
  const trials: Trial[] = [];
  for (const raw of sweep.trials) {
    const options = substitute(
      Object.fromEntries(Object.entries(raw).filter(([key]) => !RUNNER_OPTIONS.has(key))),
      sweep.file,
    );
    for (const key of Object.keys(options)) {
      if (!known.has(key)) {
        throw new SweepFileError(`"${key}" is not a bcmb finetune option`, {
          file: sweep.file,
          hint: 'bcmb finetune --help lists them (write them without the leading --)',
        });
      }
    }
    for (const key of ['dataset', 'model']) {
      if (typeof options[key] !== 'string') {
        throw new SweepFileError(`a trial has no ${key}: ${JSON.stringify(raw)}`, {
          file: sweep.file,
          hint: `Set ${key} under defaults:, grid: or the trial`,
        });
      }
    }
    const task = getTask(options['dataset'] as string);
    const defaults = DEFAULT_TRAINING_ARGUMENTS;
    const batchSize = numberOption(options, 'batch-size', defaults.batchSize, sweep.file);
    const runName = researchBaseName({
      lr: numberOption(options, 'lr', defaults.learningRate, sweep.file),
      wd: numberOption(options, 'wd', defaults.weightDecay, sweep.file),
      epochs: numberOption(options, 'epochs', defaults.epochs, sweep.file),
      seed: numberOption(options, 'seed', defaults.seed, sweep.file),
      effectiveBatchSize:
        batchSize * numberOption(options, 'accumulation-steps', defaults.accumulationSteps, sweep.file),
    });
    const id = jobId(options);
    if (seen.has(id)) continue;
    seen.add(id);
    const model = modelBaseName(options['model'] as string);
    const root = String(options['output-dir'] ?? '.');
    const outputBase = join(root, 'outputs', task.name, model, runName);
    const clash = trials.find((other) => other.outputBase === outputBase);
    if (clash) {
      // The research run name holds lr, wd, epochs, seed and batch size only; other options share its files.
      throw new SweepFileError(
        `trials ${clash.index} and ${trials.length} would write the same result files (${outputBase}.txt)`,
        { file: sweep.file, hint: 'Give trials that differ in other options their own output_dir' },
      );
    }
    trials.push({
      index: trials.length,
      options,
      args: finetuneArgs(options),
      dataset: task.name,
      model,
      runName,
      outputBase,
      checkpointDir: join(root, 'checkpoints', task.name, model, runName),
      id,
    });
  }
  return { name: sweep.name, file: sweep.file, trials };
}

/** Whether the trial's research log already exists (relative paths against the working directory). */
export async function hasResult(trial: Trial): Promise<boolean> {
  return stat(`${trial.outputBase}.txt`).then(
    () => true,
    () => false,
  );
}

/** A shell-safe rendering of a command line, for `plan --commands` and the docs. */
export function shellLine(args: readonly string[]): string {
  return args
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
