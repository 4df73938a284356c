import type { StateDict } from '@bcmb/architectures';
import { createProgress, removeStaleTemporaries } from '@bcmb/core';
import type { ProblemType } from '@bcmb/datasets';
import type { EncoderModel } from '@bcmb/modeling';
import {
  checkpointName,
  latestCheckpoint,
  loadOptimizerState,
  readCheckpointWeights,
  readTrainerState,
  rotateCheckpoints,
  saveCheckpoint,
  type TrainerState,
} from './checkpoint.js';
import { batchIndices, collateArrays, type EncodedExample, microBatches } from './collate.js';
import type { TrainingEngine, TrainingEngineName } from './engines/engine.js';
import { createTrainingEngine, type EngineChoice, resolveEngine } from './engines/select.js';
import { TrainingError } from './errors.js';
import { type ComputeMetrics, evaluateModel } from './evaluation.js';
import { LOGGED_LOSS_DECIMALS, type LogEntry, roundTo } from './log.js';
import { MAX_GRAD_NORM } from './optim/clip.js';
import { DEFAULT_WEIGHT_DECAY } from './optim/param-groups.js';
import { linearScheduleLr, updatesPerEpoch, warmupSteps } from './schedule.js';
import { seededRandom, shuffledIndices } from './seed.js';

export interface TrainingArguments {
  learningRate: number;
  weightDecay: number;
  epochs: number;
  /** Per-device train and eval batch size (the research code uses one value for both). */
  batchSize: number;
  accumulationSteps: number;
  /**
   * Examples per forward/backward pass (bcmb's addition, default: the whole batch). Smaller slices give the same
   * update with less memory; only the dropout draws differ.
   */
  microBatchSize?: number;
  seed: number;
  warmupRatio: number;
  warmupSteps: number;
  maxGradNorm: number;
  loggingSteps: number;
  /** Metric name without the `eval_` prefix; greater is better. */
  metricForBestModel: string;
  saveTotalLimit: number;
}

/** The research main.py defaults plus the TrainingArguments defaults it leaves alone. */
export const DEFAULT_TRAINING_ARGUMENTS: TrainingArguments = {
  learningRate: 2e-5,
  weightDecay: DEFAULT_WEIGHT_DECAY,
  epochs: 3,
  batchSize: 16,
  accumulationSteps: 1,
  seed: 42,
  warmupRatio: 0,
  warmupSteps: 0,
  maxGradNorm: MAX_GRAD_NORM,
  loggingSteps: 10,
  metricForBestModel: 'weighted_f1',
  saveTotalLimit: 1,
};

export interface TrainerOptions extends EngineChoice {
  /** The model to train; it holds the trained (best) weights when `train` returns, whichever engine ran. */
  model: EncoderModel;
  args?: Partial<TrainingArguments>;
  kind: ProblemType;
  padTokenId: number;
  train: readonly EncodedExample[];
  validation: readonly EncodedExample[];
  computeMetrics: ComputeMetrics;
  /** Where checkpoint-<step>/ folders go; without it the best weights are kept in memory only. */
  outputDir?: string;
  /** Folder whose tokenizer files are copied into each checkpoint. */
  tokenizerDir?: string;
  /** Receives every log_history entry as it is added. */
  onLog?: (entry: LogEntry) => void;
  /** One-line notes (which engine trains and why). */
  onNote?: (line: string) => void;
  /**
   * The trainer owns `model`: `dispose()` disposes it, and an engine other than tfjs frees its tfjs weights once it
   * has copied them (the model is then unusable; results come from `evaluate` and the checkpoints).
   */
  ownsModel?: boolean;
}

export interface TrainOutput {
  globalStep: number;
  trainingLoss: number;
  /** Epoch (1-based, as transformers logs it) whose evaluation was best; null with no evaluation. */
  bestEpoch: number | null;
  bestMetric: number | null;
  bestCheckpoint: string | null;
  logHistory: LogEntry[];
  /** Whether training continued from a checkpoint. */
  resumedFrom: string | null;
}

/**
 * Hugging Face `Trainer.train` as the research code configures it: seeded shuffling each epoch, gradient
 * accumulation, clipping, AdamW with the linear schedule, logging every `loggingSteps` updates, evaluation and a
 * checkpoint each epoch, the best model (by `metricForBestModel`) reloaded at the end.
 */
export class Trainer {
  readonly args: TrainingArguments;
  private state: TrainerState;
  private bestWeights: StateDict | null = null;
  private opened: Promise<TrainingEngine> | null = null;

  constructor(private readonly options: TrainerOptions) {
    this.args = { ...DEFAULT_TRAINING_ARGUMENTS, ...options.args };
    validate(this.args, options);
    this.state = {
      epoch: 0,
      global_step: 0,
      max_steps: this.args.epochs * this.updatesPerEpoch,
      num_train_epochs: this.args.epochs,
      logging_steps: this.args.loggingSteps,
      train_batch_size: this.args.batchSize,
      best_metric: null,
      best_model_checkpoint: null,
      log_history: [],
    };
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.options.train.length / this.args.batchSize);
  }

  get updatesPerEpoch(): number {
    return updatesPerEpoch(this.batchesPerEpoch, this.args.accumulationSteps);
  }

  get logHistory(): readonly LogEntry[] {
    return this.state.log_history;
  }

  /** The engine this trainer runs on (resolved and opened on first use). */
  async engineName(): Promise<TrainingEngineName> {
    return (await this.engine()).name;
  }

  private engine(): Promise<TrainingEngine> {
    this.opened ??= resolveEngine(this.options, this.options.onNote).then((name) => {
      this.options.onNote?.(
        `Training engine: ${name}${name === 'onnx' ? ` (ONNX Runtime, ${this.options.device ?? 'cpu'})` : ''}`,
      );
      return createTrainingEngine(
        name,
        this.options.model,
        {
          weightDecay: this.args.weightDecay,
          maxGradNorm: this.args.maxGradNorm,
          seed: this.args.seed,
          accumulating:
            this.args.accumulationSteps > 1 ||
            (this.args.microBatchSize ?? this.args.batchSize) < this.args.batchSize,
        },
        this.options,
      );
    });
    return this.opened;
  }

  /**
   * Trains; with `resume`, continues from the newest checkpoint in `outputDir` (if there is one). An aborted
   * `signal` stops before the next batch (checkpoints already written stay, so the run can be resumed).
   */
  async train(options: { resume?: boolean; signal?: AbortSignal } = {}): Promise<TrainOutput> {
    // Checkpoint writes or rotations that a kill interrupted leave temporaries (GBs each for BERT-base).
    if (this.options.outputDir) await removeStaleTemporaries(this.options.outputDir);
    const engine = await this.engine();
    const resumedFrom = options.resume ? await this.resume() : null;
    const { args } = this;
    const totalSteps = this.state.max_steps;
    const warmup = warmupSteps(totalSteps, args);
    const started = performance.now();
    const startStep = this.state.global_step;
    const firstEpoch = Math.floor(this.state.global_step / this.updatesPerEpoch);
    const progress = createProgress({ label: 'train', total: totalSteps });
    progress.update(startStep);
    let lossSinceLog = 0;
    let stepsSinceLog = 0;
    let totalLoss = 0;
    for (let epoch = firstEpoch; epoch < args.epochs; epoch++) {
      await engine.startEpoch(epoch);
      const order = shuffledIndices(this.options.train.length, seededRandom(args.seed, 'shuffle', epoch));
      const batches = batchIndices(order, args.batchSize);
      let updateLoss = 0;
      let stepped = false;
      for (let b = 0; b < batches.length; b++) {
        if (options.signal?.aborted) {
          progress.stop();
          throw new TrainingError(`training stopped at step ${this.state.global_step}`, {
            cause: options.signal.reason,
            hint: 'Run again with resume to continue from the last checkpoint',
          });
        }
        const examples = batches[b]!.map((i) => this.options.train[i]!);
        const slices = microBatches(examples, args.microBatchSize ?? args.batchSize, this.options.kind);
        const syncStep = (b + 1) % args.accumulationSteps === 0 || b + 1 === batches.length;
        const lr = linearScheduleLr(this.state.global_step, args.learningRate, warmup, totalSteps);
        let gradNorm: number | undefined;
        for (let m = 0; m < slices.length; m++) {
          const { examples: sliceExamples, share } = slices[m]!;
          const step = await engine.step(
            collateArrays(sliceExamples, this.options.padTokenId, this.options.kind),
            {
              share,
              divisor: args.accumulationSteps,
              lr,
              update: syncStep && m === slices.length - 1,
              epoch,
              batch: b,
              micro: m,
            },
          );
          if (!Number.isFinite(step.loss)) {
            throw new TrainingError(
              `training loss became ${step.loss} at epoch ${epoch + 1}, batch ${b + 1}`,
              {
                hint: 'Lower --lr, or check the labels of the task',
              },
            );
          }
          updateLoss += step.loss;
          stepped = true;
          gradNorm = step.gradNorm ?? gradNorm;
        }
        // A token batch without any labelled token has no loss and no update (transformers would step on NaN).
        if (!syncStep || !stepped || gradNorm === undefined) continue;
        stepped = false;
        this.state.global_step += 1;
        this.state.epoch = epoch + (b + 1) / batches.length;
        lossSinceLog += updateLoss;
        totalLoss += updateLoss;
        stepsSinceLog += 1;
        updateLoss = 0;
        progress.update(this.state.global_step, {
          info: `loss ${(lossSinceLog / stepsSinceLog).toFixed(4)}`,
        });
        if (this.state.global_step % args.loggingSteps === 0) {
          this.log({
            loss: roundTo(lossSinceLog / stepsSinceLog, LOGGED_LOSS_DECIMALS),
            grad_norm: gradNorm,
            learning_rate: linearScheduleLr(this.state.global_step, args.learningRate, warmup, totalSteps),
          });
          lossSinceLog = 0;
          stepsSinceLog = 0;
        }
      }
      await this.endOfEpoch();
    }
    progress.stop();
    await this.loadBest(engine);
    await engine.syncModel();
    const runtime = (performance.now() - started) / 1000;
    const steps = this.state.global_step - startStep;
    const trainingLoss = steps > 0 ? totalLoss / steps : 0;
    this.log({
      train_runtime: roundTo(runtime, 4),
      train_samples_per_second: roundTo(
        ((args.epochs - firstEpoch) * this.options.train.length) / Math.max(runtime, 1e-9),
        3,
      ),
      train_steps_per_second: roundTo(steps / Math.max(runtime, 1e-9), 3),
      train_loss: trainingLoss,
    });
    return {
      globalStep: this.state.global_step,
      trainingLoss,
      bestEpoch: this.bestEpoch(),
      bestMetric: this.state.best_metric,
      bestCheckpoint: this.state.best_model_checkpoint,
      logHistory: this.state.log_history,
      resumedFrom,
    };
  }

  /** `Trainer.evaluate` on any split with this trainer's batch size and metrics. */
  async evaluate(examples: readonly EncodedExample[], prefix = 'eval'): Promise<LogEntry> {
    const entry = await evaluateModel(await this.engine(), examples, {
      batchSize: this.args.batchSize,
      kind: this.options.kind,
      padTokenId: this.options.padTokenId,
      computeMetrics: this.options.computeMetrics,
      prefix,
    });
    return this.log(entry);
  }

  /** Releases the engine (ONNX Runtime sessions, optimizer state); the model stays the caller's. */
  async dispose(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    if (opened) await (await opened).dispose();
    if (this.options.ownsModel) this.options.model.dispose();
  }

  private log(entry: LogEntry): LogEntry {
    const logged = { ...entry, epoch: this.state.epoch, step: this.state.global_step };
    this.state.log_history.push(logged);
    this.options.onLog?.(logged);
    // `Trainer.log` adds the epoch to the dict the caller holds too, which is why test results carry it.
    return { ...entry, epoch: this.state.epoch };
  }

  private async endOfEpoch(): Promise<void> {
    const metrics = await this.evaluate(this.options.validation);
    const value = metrics[`eval_${this.args.metricForBestModel}`];
    if (value === undefined) {
      throw new TrainingError(`evaluation has no metric eval_${this.args.metricForBestModel}`, {
        hint: `Metrics are: ${Object.keys(metrics).join(', ')}`,
      });
    }
    const improved = this.state.best_metric === null || value > this.state.best_metric;
    const name = checkpointName(this.state.global_step);
    if (improved) {
      this.state.best_metric = value;
      this.state.best_model_checkpoint = this.options.outputDir ? `${this.options.outputDir}/${name}` : name;
    }
    const { outputDir } = this.options;
    const engine = await this.engine();
    if (outputDir) {
      await saveCheckpoint(outputDir, {
        configJson: engine.configJson(),
        weights: engine.stateDict(),
        optimizer: await engine.optimizerState(),
        state: this.state,
        trainingArgs: { ...this.args },
        ...(this.options.tokenizerDir ? { tokenizerDir: this.options.tokenizerDir } : {}),
      });
      await rotateCheckpoints(outputDir, this.args.saveTotalLimit, this.state.best_model_checkpoint);
    } else if (improved) {
      this.bestWeights = engine.stateDict();
    }
  }

  private async loadBest(engine: TrainingEngine): Promise<void> {
    const best = this.state.best_model_checkpoint;
    if (best === null) return;
    if (this.options.outputDir) {
      const { file, weights } = await readCheckpointWeights(
        `${this.options.outputDir}/${best.split('/').pop()}`,
      );
      engine.loadStateDict(weights, file);
    } else if (this.bestWeights) {
      engine.loadStateDict(this.bestWeights, 'the best epoch (in memory)');
    }
  }

  private bestEpoch(): number | null {
    const key = `eval_${this.args.metricForBestModel}`;
    let best: LogEntry | null = null;
    for (const entry of this.state.log_history) {
      if (entry[key] !== undefined && (best === null || entry[key]! > best[key]!)) best = entry;
    }
    return best === null ? null : best['epoch']!;
  }

  private async resume(): Promise<string | null> {
    const { outputDir } = this.options;
    if (!outputDir) return null;
    const dir = await latestCheckpoint(outputDir);
    if (!dir) return null;
    const state = await readTrainerState(dir);
    if (state.max_steps !== this.state.max_steps) {
      throw new TrainingError(
        `checkpoint ${dir} was trained for ${state.max_steps} steps but this run has ${this.state.max_steps}`,
        { hint: 'Resume with the same dataset, epochs, batch size and accumulation steps' },
      );
    }
    const engine = await this.engine();
    const { file, weights } = await readCheckpointWeights(dir);
    engine.loadStateDict(weights, file);
    engine.loadOptimizerState(await loadOptimizerState(dir, engine.trainableShapes(), state.global_step));
    this.state = state;
    return dir;
  }
}

function validate(args: TrainingArguments, options: TrainerOptions): void {
  const counts = { ...args, microBatchSize: args.microBatchSize ?? args.batchSize };
  for (const key of [
    'epochs',
    'batchSize',
    'microBatchSize',
    'accumulationSteps',
    'loggingSteps',
    'saveTotalLimit',
  ] as const) {
    if (!Number.isInteger(counts[key]) || counts[key] < 1) {
      throw new TrainingError(`${key} must be a positive integer, got ${counts[key]}`);
    }
  }
  if (options.train.length === 0) throw new TrainingError('the training split is empty');
  if (options.validation.length === 0) throw new TrainingError('the validation split is empty');
}
