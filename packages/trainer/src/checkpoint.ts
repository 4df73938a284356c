import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  CONFIG_FILE,
  DEFAULT_SAFETENSORS_METADATA,
  readSafetensors,
  SAFETENSORS_WEIGHTS_FILE,
  type StateDict,
  TOKENIZER_FILES,
  writeSafetensors,
} from '@bcmb/architectures';
import { removeDirAtomic, replaceDirAtomic, writeFileAtomic } from '@bcmb/core';
import type { EncoderModel } from '@bcmb/modeling';
import { assignWeights } from './engines/layout.js';
import { CheckpointError } from './errors.js';
import type { LogEntry } from './log.js';
import type { AdamWState } from './optim/adamw.js';

/** transformers' `PREFIX_CHECKPOINT_DIR`. */
export const CHECKPOINT_PREFIX = 'checkpoint-';
export const TRAINER_STATE_FILE = 'trainer_state.json';
/** AdamW moments, `<param>.exp_avg` / `<param>.exp_avg_sq`, the step in the metadata (torch writes optimizer.pt). */
export const OPTIMIZER_STATE_FILE = 'optimizer.safetensors';
export const TRAINING_ARGS_FILE = 'training_args.json';

/** The fields of transformers' `TrainerState` that resuming and best-model selection need (same JSON names). */
export interface TrainerState {
  epoch: number;
  global_step: number;
  max_steps: number;
  num_train_epochs: number;
  logging_steps: number;
  train_batch_size: number;
  best_metric: number | null;
  best_model_checkpoint: string | null;
  log_history: LogEntry[];
}

export interface CheckpointContents {
  /** config.json as save_pretrained writes it. */
  configJson: string;
  /** The weights, Hugging Face names, PyTorch layout (model.safetensors). */
  weights: StateDict;
  /** Moments in the weights' layout. */
  optimizer: AdamWState;
  state: TrainerState;
  trainingArgs: Record<string, unknown>;
  /** Folder whose tokenizer files are copied in (the model's source folder). */
  tokenizerDir?: string;
}

export function checkpointName(globalStep: number): string {
  return `${CHECKPOINT_PREFIX}${globalStep}`;
}

/**
 * Writes `<outputDir>/checkpoint-<step>/` atomically: a Hugging Face model folder (config.json + model.safetensors,
 * loadable by `from_pretrained`), the tokenizer files, trainer_state.json, training_args.json and the optimizer.
 */
export async function saveCheckpoint(outputDir: string, contents: CheckpointContents): Promise<string> {
  const dir = join(outputDir, checkpointName(contents.state.global_step));
  await replaceDirAtomic(dir, async (temp) => {
    await writeSafetensors(join(temp, SAFETENSORS_WEIGHTS_FILE), contents.weights, {
      ...DEFAULT_SAFETENSORS_METADATA,
    });
    await writeFileAtomic(join(temp, CONFIG_FILE), contents.configJson);
    await writeSafetensors(
      join(temp, OPTIMIZER_STATE_FILE),
      optimizerTensors(contents.optimizer, contents.weights),
      { step: String(contents.optimizer.step) },
    );
    await writeJson(join(temp, TRAINER_STATE_FILE), contents.state);
    await writeJson(join(temp, TRAINING_ARGS_FILE), contents.trainingArgs);
    if (contents.tokenizerDir) await copyTokenizerFiles(contents.tokenizerDir, temp);
  });
  return dir;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function copyTokenizerFiles(from: string, to: string): Promise<void> {
  // The tokenizer goes into each checkpoint, as the Trainer saves it there.
  for (const file of TOKENIZER_FILES) {
    await copyFile(join(from, file), join(to, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

function optimizerTensors(state: AdamWState, weights: StateDict): StateDict {
  const dict: StateDict = new Map();
  for (const [name, moments] of state.moments) {
    const shape = weights.get(name)?.shape ?? [moments.expAvg.length];
    dict.set(`${name}.exp_avg`, { shape, data: moments.expAvg });
    dict.set(`${name}.exp_avg_sq`, { shape, data: moments.expAvgSq });
  }
  return dict;
}

/** Checkpoint folders under `outputDir`, oldest step first (transformers' `_sorted_checkpoints`). */
export async function listCheckpoints(outputDir: string): Promise<{ dir: string; step: number }[]> {
  const entries = await readdir(outputDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isDirectory() && /^checkpoint-\d+$/.test(entry.name))
    .map((entry) => ({
      dir: join(outputDir, entry.name),
      step: Number(entry.name.slice(CHECKPOINT_PREFIX.length)),
    }))
    .sort((a, b) => a.step - b.step);
}

/** The files every checkpoint holds; one missing any of them is incomplete and never resumed from. */
export const CHECKPOINT_FILES = [
  'config.json',
  SAFETENSORS_WEIGHTS_FILE,
  OPTIMIZER_STATE_FILE,
  TRAINER_STATE_FILE,
  TRAINING_ARGS_FILE,
];

/** Whether `dir` holds every file of a checkpoint (a kill during an older bcmb's rotation could leave some). */
export async function isCompleteCheckpoint(dir: string): Promise<boolean> {
  for (const file of CHECKPOINT_FILES) {
    const found = await stat(join(dir, file)).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!found) return false;
  }
  return true;
}

/** The newest complete checkpoint (one that holds all of `CHECKPOINT_FILES`), or undefined. */
export async function latestCheckpoint(outputDir: string): Promise<string | undefined> {
  const checkpoints = await listCheckpoints(outputDir);
  for (const { dir } of checkpoints.reverse()) {
    if (await isCompleteCheckpoint(dir)) return dir;
  }
  return undefined;
}

/**
 * Deletes old checkpoints beyond `limit`, never the best one: with limit 1 and a best checkpoint that is not the
 * newest, two are kept (transformers' `_rotate_checkpoints`).
 */
export async function rotateCheckpoints(
  outputDir: string,
  limit: number,
  best: string | null,
): Promise<void> {
  const dirs = (await listCheckpoints(outputDir)).map((c) => c.dir);
  const bestName = best === null ? null : basename(best);
  const bestIndex = dirs.findIndex((dir) => basename(dir) === bestName);
  if (bestIndex >= 0 && bestIndex < dirs.length - 1) {
    // Keep the best next to the newest so it survives the cut.
    const [bestDir] = dirs.splice(bestIndex, 1);
    dirs.splice(dirs.length - 1, 0, bestDir!);
  }
  const keep = limit === 1 && bestIndex >= 0 && bestIndex !== dirs.length - 1 ? 2 : limit;
  // Renamed away before deletion, so a kill midway cannot leave a half-deleted checkpoint under its real name.
  for (const dir of dirs.slice(0, Math.max(0, dirs.length - keep))) await removeDirAtomic(dir);
}

export async function readTrainerState(checkpointDir: string): Promise<TrainerState> {
  const path = join(checkpointDir, TRAINER_STATE_FILE);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as TrainerState;
  } catch (error) {
    throw new CheckpointError('cannot read the trainer state of the checkpoint', {
      file: path,
      cause: error,
      hint: 'The checkpoint is incomplete; delete it to resume from the previous one',
    });
  }
}

/** A checkpoint's model.safetensors (Hugging Face names, PyTorch layout). */
export async function readCheckpointWeights(
  checkpointDir: string,
): Promise<{ file: string; weights: StateDict }> {
  const file = join(checkpointDir, SAFETENSORS_WEIGHTS_FILE);
  return { file, weights: await readSafetensors(file) };
}

/** Copies a checkpoint's model.safetensors into the model's variables (kernels transposed back to [in, out]). */
export async function loadModelWeights(model: EncoderModel, checkpointDir: string): Promise<void> {
  const { file, weights } = await readCheckpointWeights(checkpointDir);
  assignWeights(model, weights, file);
}

/** The AdamW state saved with a checkpoint taken after `step` optimizer updates. */
export async function loadOptimizerState(
  checkpointDir: string,
  shapes: Map<string, number[]>,
  step: number,
): Promise<AdamWState> {
  const file = join(checkpointDir, OPTIMIZER_STATE_FILE);
  const dict = await readSafetensors(file);
  const moments: AdamWState['moments'] = new Map();
  for (const [name, shape] of shapes) {
    const expAvg = dict.get(`${name}.exp_avg`);
    const expAvgSq = dict.get(`${name}.exp_avg_sq`);
    if (!expAvg || !expAvgSq)
      throw new CheckpointError(`optimizer state has no moments for ${name}`, { file });
    if (expAvg.shape.join(',') !== shape.join(','))
      throw new CheckpointError(
        `optimizer moments of ${name} have shape [${expAvg.shape.join(', ')}], the parameter [${shape.join(', ')}]`,
        {
          file,
          hint: 'Checkpoints of bcmb 0.1 stored moments flat in the tfjs layout: resume them with bcmb 0.1, or start the run again',
        },
      );
    moments.set(name, { expAvg: expAvg.data, expAvgSq: expAvgSq.data });
  }
  return { step, moments };
}
