import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createProgress, writeFileAtomic } from '@bcmb/core';
import { MdsDataset } from '@bcmb/mds';
import {
  checkpointName,
  type EvalLog,
  latestCheckpoint,
  pruneCheckpoints,
  type RunState,
  readOptimizerState,
  readRunState,
  type StepLog,
  saveCheckpoint,
} from './checkpoint.js';
import { evalSequences, packedMlmBatches } from './data.js';
import type { MlmSequence, PretrainEngine } from './engine.js';
import { PretrainConfigError, PretrainRunError } from './errors.js';
import { CHECKED_ARCHITECTURE_KEYS, lrScheduleOf, type PretrainConfig } from './pretrain-config.js';
import type { Time, Timestamp } from './time.js';

/** Builds the engine for a model folder (the run passes the checkpoint folder when resuming). */
export type EngineFactory = (modelDir: string) => Promise<PretrainEngine>;

export interface PretrainRunOptions {
  config: PretrainConfig;
  /** Hugging Face folder to start from (load_path or --model, resolved). */
  modelDir: string;
  createEngine: EngineFactory;
  /** Continue from the newest checkpoint in the save folder (also `autoresume: true`). */
  resume?: boolean;
  /** Where tokenizer files are copied from into checkpoints (default: modelDir). */
  tokenizerDir?: string | null;
  log?: (line: string) => void;
  progress?: boolean;
  /** Stops after this many batches in this process without a final save (tests, time-boxed runs). */
  stopAfterBatches?: number;
}

export interface PretrainRunResult {
  timestamp: Timestamp;
  history: StepLog[];
  evals: EvalLog[];
  /** The last checkpoint written (Hugging Face layout), or null when none was. */
  finalCheckpoint: string | null;
  completed: boolean;
}

export const METRICS_FILE = 'metrics.jsonl';

function reached(time: Time, timestamp: Timestamp): boolean {
  return (time.unit === 'tok' ? timestamp.token : timestamp.batch) >= time.value;
}

/** True when the interval boundary lies in (before, after] (Composer fires interval events after a batch). */
function crossed(interval: Time | null, before: Timestamp, after: Timestamp): boolean {
  if (interval === null || interval.value <= 0) return false;
  const at = (t: Timestamp) => (interval.unit === 'tok' ? t.token : t.batch);
  return Math.floor(at(after) / interval.value) > Math.floor(at(before) / interval.value);
}

/**
 * `bcmb pretrain`: the Composer fit loop of the research configs on a `PretrainEngine`. Per batch: LR from the
 * schedule at the current timestamp, one optimizer step on a packed batch, timestamp += batch/tokens/samples,
 * log / eval / checkpoint at their intervals; stops when `max_duration` is reached, evaluates and saves a final
 * Hugging Face checkpoint. `resume` replays the data stream to the checkpoint's batch, so a resumed run ends with the
 * same loss curve as an uninterrupted one.
 */
export async function runPretraining(options: PretrainRunOptions): Promise<PretrainRunResult> {
  const { config } = options;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const saveFolder = config.saveFolder;
  let state: RunState = {
    timestamp: { batch: 0, token: 0, sample: 0, epoch: 0 },
    history: [],
    evals: [],
    runName: config.runName,
    optimizerStep: 0,
  };
  let modelDir = options.modelDir;
  const resumeFrom = options.resume || config.autoresume ? await latestCheckpoint(saveFolder) : null;
  if ((options.resume || config.autoresume) && resumeFrom === null) {
    log(`No checkpoint in ${saveFolder} to resume from; starting from ${modelDir}`);
  }
  if (resumeFrom !== null) {
    state = await readRunState(resumeFrom);
    modelDir = resumeFrom;
    log(`Resuming from ${resumeFrom} (batch ${state.timestamp.batch}, ${state.timestamp.token} tokens)`);
  }
  const engine = await options.createEngine(modelDir);
  try {
    if (resumeFrom !== null) engine.loadOptimizerState(await readOptimizerState(resumeFrom));
    checkArchitecture(config, engine);
    for (const line of config.noEffect) log(`config key without effect here: ${line}`);
    const tokenizerDir = options.tokenizerDir === undefined ? options.modelDir : options.tokenizerDir;
    const schedule = lrScheduleOf(config);
    const train = await MdsDataset.open(config.trainDir);
    const evalSet = await loadEval(config, engine, log);
    const batches = packedMlmBatches({
      dataset: train,
      maxSeqLen: config.maxSeqLen,
      globalBatchSize: config.globalTrainBatchSize,
      microBatchSize: config.microBatchSize,
      mlmProbability: config.mlmProbability,
      shuffle: config.shuffle,
      shuffleSeed: config.shuffleSeed,
      padTokenId: engine.specialIds.pad,
      maskTokenId: engine.specialIds.mask,
    });
    // Replay the stream up to the checkpoint: same packing, same masking draws.
    for (let i = 0; i < state.timestamp.batch; i++) await batches.next();
    log(
      `Pretraining ${config.runName} on ${engine.name}: ${train.size} samples in ${config.trainDir}, max_duration ${config.maxDuration.value}${config.maxDuration.unit}, batch ${config.globalTrainBatchSize} (micro ${config.microBatchSize}) x ${config.maxSeqLen} tokens, mlm_probability ${config.mlmProbability}`,
    );
    const progress = createProgress({
      label: 'pretrain',
      total: config.maxDuration.value,
      ...(options.progress === undefined ? {} : { enabled: options.progress }),
    });
    let finalCheckpoint: string | null = null;
    let ranHere = 0;
    const save = async () => {
      const dir = join(saveFolder, checkpointName(state.timestamp));
      await saveCheckpoint(dir, engine, state, tokenizerDir);
      await pruneCheckpoints(saveFolder, config.keepCheckpoints);
      finalCheckpoint = dir;
      log(`checkpoint ${dir}`);
    };
    const evaluate = async () => {
      if (evalSet === null) return;
      const result = await engine.evaluate(evalSet);
      const entry: EvalLog = {
        batch: state.timestamp.batch,
        tokens: state.timestamp.token,
        loss: result.labelled === 0 ? Number.NaN : result.lossSum / result.labelled,
        accuracy: result.labelled === 0 ? Number.NaN : result.correct / result.labelled,
      };
      state.evals.push(entry);
      log(
        `eval batch ${entry.batch}: mlm loss ${entry.loss.toFixed(4)}, accuracy ${entry.accuracy.toFixed(4)}`,
      );
    };
    try {
      while (!reached(config.maxDuration, state.timestamp)) {
        if (options.stopAfterBatches !== undefined && ranHere >= options.stopAfterBatches) {
          return { ...state, finalCheckpoint, completed: false };
        }
        const next = await batches.next();
        if (next.done === true) throw new PretrainRunError('The training stream ended unexpectedly');
        const batch = next.value;
        const before = { ...state.timestamp };
        const lr = config.lr * schedule(state.timestamp);
        const started = performance.now();
        const result = await engine.trainStep(batch, lr);
        const seconds = (performance.now() - started) / 1000;
        state.optimizerStep++;
        ranHere++;
        state.timestamp = {
          batch: before.batch + 1,
          token: before.token + batch.tokens,
          sample: before.sample + batch.sequences,
          epoch: batch.epoch,
        };
        const entry: StepLog = {
          batch: state.timestamp.batch,
          tokens: state.timestamp.token,
          loss: result.loss,
          lr,
          gradNorm: result.gradNorm,
        };
        state.history.push(entry);
        progress.update(
          Math.min(
            config.maxDuration.unit === 'tok' ? state.timestamp.token : state.timestamp.batch,
            config.maxDuration.value,
          ),
        );
        if (
          config.consoleLogInterval === null ||
          crossed(config.consoleLogInterval, before, state.timestamp)
        ) {
          log(
            `batch ${entry.batch} tokens ${entry.tokens}: loss ${entry.loss.toFixed(4)} lr ${entry.lr.toExponential(3)} grad_norm ${entry.gradNorm.toFixed(4)} ${Math.round(batch.tokens / seconds)} tok/s`,
          );
          await writeMetrics(saveFolder, state);
        }
        const done = reached(config.maxDuration, state.timestamp);
        if (crossed(config.evalInterval, before, state.timestamp) && !done) await evaluate();
        if (crossed(config.saveInterval, before, state.timestamp) && !done) await save();
      }
    } finally {
      progress.stop();
    }
    await evaluate();
    await save();
    await writeMetrics(saveFolder, state);
    log(
      `done: ${state.timestamp.batch} batches, ${state.timestamp.token} tokens; Hugging Face model in ${finalCheckpoint}`,
    );
    return { ...state, finalCheckpoint, completed: true };
  } finally {
    engine.dispose();
  }
}

async function writeMetrics(saveFolder: string, state: RunState): Promise<void> {
  const lines = [
    ...state.history.map((h) => JSON.stringify({ type: 'train', ...h })),
    ...state.evals.map((e) => JSON.stringify({ type: 'eval', ...e })),
  ];
  await writeFileAtomic(join(saveFolder, METRICS_FILE), `${lines.join('\n')}\n`);
}

async function loadEval(
  config: PretrainConfig,
  engine: PretrainEngine,
  log: (line: string) => void,
): Promise<MlmSequence[] | null> {
  if (config.evalDir === null) return null;
  if ((await stat(join(config.evalDir, 'index.json')).catch(() => undefined)) === undefined) {
    log(`no eval split at ${config.evalDir}; evaluation skipped`);
    return null;
  }
  const dataset = await MdsDataset.open(config.evalDir);
  const special = new Set(
    [engine.specialIds.pad, engine.specialIds.mask, engine.specialIds.cls, engine.specialIds.sep].filter(
      (id): id is number => id !== null,
    ),
  );
  return evalSequences(dataset, {
    maxSeqLen: config.evalMaxSeqLen,
    mlmProbability: config.evalMlmProbability,
    maskTokenId: engine.specialIds.mask,
    vocabSize: engine.vocabSize,
    isSpecial: (id) => special.has(id),
    seed: config.seed,
  });
}

function checkArchitecture(config: PretrainConfig, engine: PretrainEngine): void {
  for (const [yamlKey, hfKey] of Object.entries(CHECKED_ARCHITECTURE_KEYS)) {
    const wanted = config.architecture[hfKey];
    if (wanted === undefined) continue;
    const actual = engine.configFields[hfKey];
    if (actual !== wanted) {
      throw new PretrainConfigError(
        `the YAML says ${wanted} but the checkpoint's config.json has ${hfKey}=${JSON.stringify(actual)}`,
        {
          keyPath: `model.model_config.${yamlKey}`,
          hint: 'The architecture comes from the checkpoint: fix the YAML or start from the matching model',
        },
      );
    }
  }
}
