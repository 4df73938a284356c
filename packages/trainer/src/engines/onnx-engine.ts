import type { ConfigProblemType, EncoderConfig, StateDict, Task } from '@bcmb/architectures';
import { configJson, type EncoderModel, stateDictOf } from '@bcmb/modeling';
import {
  buildTrainingGraph,
  EvaluationSession,
  type FeedTensor,
  LABELS,
  type ParameterMoments,
  TrainingSession,
  trainingModelOf,
} from '@bcmb/onnx';
import type { HostBatch } from '../collate.js';
import { CheckpointError, TrainingError } from '../errors.js';
import type { AdamWState } from '../optim/adamw.js';
import { seededRandom } from '../seed.js';
import type {
  EvaluationBatchResult,
  MicroStep,
  MicroStepResult,
  TrainingDevice,
  TrainingEngine,
} from './engine.js';
import { assignWeights } from './layout.js';

export interface OnnxEngineOptions {
  weightDecay: number;
  maxGradNorm: number;
  /** Seeds the dropout masks each epoch's session draws (see `startEpoch`). */
  seed: number;
  /** Whether steps are split into micro-batches or accumulated (a separate optimizer session). */
  accumulating: boolean;
  /** Dispose the tfjs model once its weights are copied; `syncModel` then does nothing. */
  releaseModel?: boolean;
  device?: TrainingDevice;
  threads?: number;
}

/** Largest first seed of an epoch's masks: seeds stay exact in the float attribute RandomUniformLike takes. */
const SEED_RANGE = 2 ** 20;

interface PendingState {
  parameters: Map<string, Float32Array>;
  moments: Map<string, ParameterMoments> | undefined;
  step: number;
}

/**
 * The Trainer on ONNX Runtime: a training graph built from the family description (forward, backward, clipping,
 * AdamW in native kernels, dense layers on real tokens), an evaluation forward fed the live parameter buffers.
 * Dropout masks are drawn inside the graph; each epoch opens a fresh session whose masks are seeded by the run's
 * seed and the epoch, so a run resumed from an epoch's checkpoint draws what the uninterrupted run drew.
 */
export class OnnxTrainingEngine implements TrainingEngine {
  readonly name = 'onnx' as const;
  private session: TrainingSession | null = null;
  private sessionEpoch = -1;
  private evaluation: EvaluationSession | null = null;
  private pending: PendingState | null;
  private readonly config: EncoderConfig;
  private readonly task: Task;
  private readonly problemType: ConfigProblemType | undefined;
  private readonly configText: string;
  /** Every weight save_pretrained writes, in its order, with its PyTorch shape. */
  private readonly layout: { name: string; shape: number[] }[];
  /** Weights the training graph does not use (kept as loaded, written back unchanged). */
  private readonly frozen: StateDict = new Map();
  private readonly shapes = new Map<string, number[]>();

  constructor(
    private readonly model: EncoderModel,
    private readonly options: OnnxEngineOptions,
  ) {
    this.config = model.config;
    this.task = model.task;
    this.problemType =
      this.task === 'sequence-classification' ? (model.config.problemType ?? undefined) : undefined;
    if (this.task === 'sequence-classification' && this.problemType === undefined)
      throw new TrainingError('the model config has no problem_type for its sequence-classification loss', {
        hint: 'Load the model with problemType single_label_classification or multi_label_classification',
      });
    this.configText = configJson(model);
    const dict = stateDictOf(model);
    this.layout = [...dict].map(([name, { shape }]) => ({ name, shape }));
    const used = new Set(this.graphParameterNames());
    const parameters = new Map<string, Float32Array>();
    for (const [name, tensor] of dict) {
      this.shapes.set(name, tensor.shape);
      if (used.has(name)) parameters.set(name, tensor.data);
      else this.frozen.set(name, tensor);
    }
    this.pending = { parameters, moments: undefined, step: 0 };
    if (options.releaseModel) model.dispose();
  }

  private graphParameterNames(): string[] {
    return buildTrainingGraph(this.config, this.task, {
      ...(this.problemType ? { problemType: this.problemType } : {}),
    }).parameters.map((p) => p.name);
  }

  private build(dropoutSeed: number, weights: Map<string, Float32Array>) {
    const dict: StateDict = new Map();
    for (const [name, data] of weights) dict.set(name, { shape: this.shapes.get(name)!, data });
    return trainingModelOf(this.config, this.task, dict, {
      ...(this.problemType ? { problemType: this.problemType } : {}),
      dropoutMasks: 'graph',
      dropoutSeed,
    });
  }

  async startEpoch(epoch: number): Promise<void> {
    if (this.session && this.sessionEpoch === epoch) return;
    const state = await this.takeState();
    const dropoutSeed = 1 + Math.floor(seededRandom(this.options.seed, 'dropout', epoch)() * SEED_RANGE);
    const built = this.build(dropoutSeed, state.parameters);
    this.session = await TrainingSession.create(built.model, {
      weightDecay: this.options.weightDecay,
      maxGradNorm: this.options.maxGradNorm,
      // Any count above 1 selects the accumulating sessions; each step says how it counts (StepControl).
      accumulationSteps: this.options.accumulating ? 2 : 1,
      ...(this.options.device ? { device: this.options.device } : {}),
      ...(this.options.threads ? { threads: this.options.threads } : {}),
    });
    this.session.restore(state);
    this.sessionEpoch = epoch;
  }

  /** The parameters, moments and step, out of the open session (released) or the pending state. */
  private async takeState(): Promise<PendingState> {
    if (this.pending) {
      const state = this.pending;
      this.pending = null;
      return state;
    }
    const session = this.live();
    const state = { parameters: session.parameters(), moments: session.moments(), step: session.stepCount };
    await session.release();
    this.session = null;
    return state;
  }

  private live(): TrainingSession {
    if (this.session === null) throw new TrainingError('the ONNX training session is not open');
    return this.session;
  }

  async step(host: HostBatch, micro: MicroStep): Promise<MicroStepResult> {
    const session = this.live();
    const scale = micro.share / micro.divisor;
    if (!this.options.accumulating && (scale !== 1 || !micro.update))
      throw new TrainingError('the ONNX engine was opened without accumulation but a step accumulates');
    const result = await session.step(
      this.feeds(host),
      micro.lr,
      this.options.accumulating ? { lossScale: scale, update: micro.update } : {},
    );
    return { loss: result.loss * scale, gradNorm: result.gradNorm };
  }

  private feeds(host: HostBatch): Record<string, FeedTensor> {
    const dims = host.shape;
    const int64 = (values: Int32Array) => BigInt64Array.from(values, (v) => BigInt(v));
    return {
      input_ids: { data: int64(host.inputIds), dims },
      attention_mask: { data: int64(host.attentionMask), dims },
      token_type_ids: { data: int64(host.tokenTypeIds ?? new Int32Array(host.inputIds.length)), dims },
      [LABELS]: {
        data: host.labels instanceof Float32Array ? host.labels : int64(host.labels),
        dims: host.labelShape,
      },
    };
  }

  async evaluate(host: HostBatch): Promise<EvaluationBatchResult> {
    this.evaluation ??= await EvaluationSession.create(this.config, this.task, {
      ...(this.problemType ? { problemType: this.problemType } : {}),
      ...(this.options.device ? { device: this.options.device } : {}),
      ...(this.options.threads ? { threads: this.options.threads } : {}),
    });
    const output = await this.evaluation.run(this.feeds(host), (name) => ({
      data: this.pending ? this.pending.parameters.get(name)! : this.live().parameter(name),
      dims: this.shapes.get(name)!,
    }));
    const classes = this.config.numLabels;
    let row = 0;
    const logits = host.lengths.map((length) => {
      const rows = host.kind === 'token' ? length : 1;
      const slice = output.logits.slice(row * classes, (row + rows) * classes);
      row += rows;
      return slice;
    });
    return { loss: output.loss, logits };
  }

  private currentParameters(): Map<string, Float32Array> {
    if (this.pending) return this.pending.parameters;
    return this.live().parameters();
  }

  stateDict(): StateDict {
    const trained = this.currentParameters();
    const dict: StateDict = new Map();
    for (const { name, shape } of this.layout) {
      const data = trained.get(name) ?? this.frozen.get(name)?.data;
      if (data) dict.set(name, { shape, data: this.pending ? data.slice() : data });
    }
    return dict;
  }

  loadStateDict(dict: StateDict, file: string): void {
    const parameters = new Map<string, Float32Array>();
    for (const { name, shape } of this.layout) {
      const weight = dict.get(name);
      if (!weight) throw new CheckpointError(`checkpoint has no weight ${name}`, { file });
      if (weight.shape.join(',') !== shape.join(','))
        throw new CheckpointError(
          `checkpoint weight ${name} has shape [${weight.shape.join(', ')}], the model [${shape.join(', ')}]`,
          { file },
        );
      if (this.frozen.has(name)) this.frozen.set(name, weight);
      else parameters.set(name, weight.data);
    }
    this.pending = {
      parameters,
      moments: this.pending?.moments ?? this.session?.moments(),
      step: this.pending?.step ?? this.session?.stepCount ?? 0,
    };
    this.closeSession();
  }

  async optimizerState(): Promise<AdamWState> {
    if (this.pending) return { step: this.pending.step, moments: new Map(this.pending.moments ?? []) };
    const session = this.live();
    return { step: session.stepCount, moments: session.moments() };
  }

  loadOptimizerState(state: AdamWState): void {
    const parameters = this.pending?.parameters ?? this.live().parameters();
    this.pending = { parameters, moments: state.moments, step: state.step };
    this.closeSession();
  }

  /** Drops the open session (its state was taken); the next epoch opens one from the pending state. */
  private closeSession(): void {
    const session = this.session;
    this.session = null;
    this.sessionEpoch = -1;
    void session?.release();
  }

  trainableShapes(): Map<string, number[]> {
    return new Map(
      this.layout.filter(({ name }) => !this.frozen.has(name)).map(({ name, shape }) => [name, shape]),
    );
  }

  configJson(): string {
    return this.configText;
  }

  async syncModel(): Promise<void> {
    if (this.options.releaseModel) return;
    assignWeights(this.model, this.stateDict(), 'the ONNX training session');
  }

  async dispose(): Promise<void> {
    await this.session?.release();
    await this.evaluation?.release();
    this.session = null;
    this.evaluation = null;
  }
}
