import { copyFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, type StateDict, writeSafetensors } from '@bcmb/architectures';
import { replaceDirAtomic, writeFileAtomic } from '@bcmb/core';
import type { EngineOptimizerState, PretrainEngine } from './engine.js';
import { PretrainRunError } from './errors.js';
import type { Timestamp } from './time.js';

export const STATE_FILE = 'pretrain_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
/** Tokenizer files copied into every checkpoint so the folder loads with `from_pretrained` alone. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
];
const CHECKPOINT_NAME = /^ep(\d+)-ba(\d+)$/;

export interface StepLog {
  batch: number;
  tokens: number;
  loss: number;
  lr: number;
  gradNorm: number;
}

export interface EvalLog {
  batch: number;
  tokens: number;
  loss: number;
  accuracy: number;
}

export interface RunState {
  timestamp: Timestamp;
  history: StepLog[];
  evals: EvalLog[];
  runName: string;
  /** Optimizer steps taken (StableAdamW's debiasing step count). */
  optimizerStep: number;
}

/** Composer's checkpoint naming: `ep{epoch}-ba{batch}`. */
export function checkpointName(timestamp: Timestamp): string {
  return `ep${timestamp.epoch}-ba${timestamp.batch}`;
}

/**
 * Writes a checkpoint folder atomically (temp folder + rename): Hugging Face layout (config.json,
 * model.safetensors, tokenizer files) plus the optimizer moments and the run state needed by `--resume`.
 */
export async function saveCheckpoint(
  dir: string,
  engine: PretrainEngine,
  state: RunState,
  tokenizerDir: string | null,
): Promise<void> {
  await replaceDirAtomic(dir, async (temp) => {
    await engine.saveModel(temp);
    if (tokenizerDir !== null) {
      for (const name of TOKENIZER_FILES) {
        const source = join(tokenizerDir, name);
        if ((await stat(source).catch(() => undefined))?.isFile() === true)
          await copyFile(source, join(temp, name));
      }
    }
    const optimizer = engine.optimizerState();
    const tensors: StateDict = new Map();
    for (const [name, data] of optimizer.expAvg)
      tensors.set(`exp_avg.${name}`, { shape: [data.length], data });
    for (const [name, data] of optimizer.expAvgSq)
      tensors.set(`exp_avg_sq.${name}`, { shape: [data.length], data });
    await writeSafetensors(join(temp, OPTIMIZER_FILE), tensors, {
      format: 'pt',
      step: String(optimizer.step),
    });
    await writeFileAtomic(join(temp, STATE_FILE), `${JSON.stringify(state, null, 1)}\n`);
  });
}

/** The newest complete checkpoint under `saveFolder` (by batch), or null. */
export async function latestCheckpoint(saveFolder: string): Promise<string | null> {
  const names = await readdir(saveFolder).catch(() => [] as string[]);
  let best: { dir: string; batch: number } | null = null;
  for (const name of names) {
    const match = CHECKPOINT_NAME.exec(name);
    if (match === null) continue;
    const dir = join(saveFolder, name);
    if ((await stat(join(dir, STATE_FILE)).catch(() => undefined)) === undefined) continue;
    const batch = Number(match[2]);
    if (best === null || batch > best.batch) best = { dir, batch };
  }
  return best?.dir ?? null;
}

export async function listCheckpoints(saveFolder: string): Promise<string[]> {
  const names = await readdir(saveFolder).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, match: CHECKPOINT_NAME.exec(name) }))
    .filter((x) => x.match !== null)
    .sort((a, b) => Number(a.match?.[2]) - Number(b.match?.[2]))
    .map((x) => join(saveFolder, x.name));
}

/** Removes the oldest checkpoints beyond `keep` (`save_num_checkpoints_to_keep`; -1 keeps all). */
export async function pruneCheckpoints(saveFolder: string, keep: number): Promise<void> {
  if (keep < 0) return;
  const all = await listCheckpoints(saveFolder);
  for (const dir of all.slice(0, Math.max(0, all.length - keep)))
    await rm(dir, { recursive: true, force: true });
}

export async function readRunState(dir: string): Promise<RunState> {
  try {
    return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as RunState;
  } catch (error) {
    throw new PretrainRunError('Cannot read the run state of the checkpoint', {
      file: join(dir, STATE_FILE),
      cause: error,
      hint: 'Resume from a checkpoint written by bcmb pretrain, or start without --resume',
    });
  }
}

export async function readOptimizerState(dir: string): Promise<EngineOptimizerState> {
  const path = join(dir, OPTIMIZER_FILE);
  const tensors = await readSafetensors(path);
  const expAvg = new Map<string, Float32Array>();
  const expAvgSq = new Map<string, Float32Array>();
  for (const [key, tensor] of tensors) {
    const data = tensor.data as Float32Array;
    if (key.startsWith('exp_avg_sq.')) expAvgSq.set(key.slice('exp_avg_sq.'.length), data);
    else if (key.startsWith('exp_avg.')) expAvg.set(key.slice('exp_avg.'.length), data);
  }
  const state = await readRunState(dir);
  return { step: state.optimizerStep, expAvg, expAvgSq };
}

/** Whether a model folder holds weights (else the engines start from random weights, config.json only). */
export async function hasWeightFiles(dir: string): Promise<boolean> {
  const files = await readdir(dir);
  return files.some(
    (f) => f.endsWith('.safetensors') || f === 'pytorch_model.bin' || f.endsWith('.safetensors.index.json'),
  );
}
