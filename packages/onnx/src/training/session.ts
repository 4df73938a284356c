import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { gradients } from '../autodiff/gradients.js';
import { OnnxInputError } from '../errors.js';
import { GraphBuilder, type ModelProto, serializeModel } from '../graph.js';
import { assertCudaProviderInstalled, cudaUnavailableError, loadOnnxRuntime } from '../runtime.js';
import { TrainingGraphError } from './errors.js';
import {
  ADAM_BETA1,
  ADAM_BETA2,
  ADAM_EPSILON,
  type AdamWConfig,
  clippedAdamW,
  type GraphOptimizer,
  MAX_GRAD_NORM,
  type OptimizerSlot,
} from './optimizer.js';

type OrtModule = typeof Ort;

/** A trainable parameter: a float32 graph input of the forward, its initial values and its decay group. */
export interface TrainableParameter {
  name: string;
  data: Float32Array;
  /** In the weight-decay group (the Trainer excludes biases and LayerNorm weights). */
  decay: boolean;
}

/** A forward graph with its scalar loss: parameters are declared as float32 inputs of `graph`. */
export interface TrainingModel {
  graph: GraphBuilder;
  loss: string;
  parameters: readonly TrainableParameter[];
}

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface TrainingSessionOptions extends Partial<AdamWConfig> {
  /** `cpu` (default) or `cuda` (a typed error when ONNX Runtime's CUDA provider cannot load). */
  device?: 'cpu' | 'cuda';
  /** Intra-op threads; default: every core. */
  threads?: number;
  /** ORT graph optimisation level (default `all`). */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Let idle ORT worker threads spin (default false: the machine is often shared). */
  spinning?: boolean;
  /** Micro-batches whose gradients are summed before one optimizer step (default 1). */
  accumulationSteps?: number;
  /** Use ORT's com.microsoft FusedMatMul in the backward (default true). */
  contribOps?: boolean;
  /** Keep the compiled models (for inspection, saving as .onnx). */
  keepModels?: boolean;
  /**
   * Let ORT write new parameters, moments and gradient sums over the old ones (default true), instead of into a
   * second buffer set: 3–4 parameter-sized arrays fewer. Sound because each moment (and gradient sum) is read
   * only by the node that starts its own update, and every other read of a parameter (forward, backward)
   * precedes the global gradient norm, on which every parameter's update waits (see emitClipAndAdamW).
   */
  inPlace?: boolean;
  /**
   * ORT's CPU memory arena (default true). Off, intermediate tensors come from and return to the system
   * allocator, which lowers peak RSS (the arena grows in power-of-two chunks and keeps them).
   */
  memoryArena?: boolean;
  /**
   * ORT's memory patterns (default true): after the first run, one block sized for the whole plan of
   * intermediate tensors is allocated per run instead of one allocation per tensor.
   */
  memoryPattern?: boolean;
  /** Write ORT's per-node profile (JSON) under this file prefix when the session is released. */
  profile?: string;
  /**
   * The update as graph nodes (default: clipping + AdamW from the options above, `clippedAdamW`); e.g.
   * `stableAdamW(…)` for continued pretraining.
   */
  optimizer?: GraphOptimizer;
}

/** A batch input: data and dims; the element type follows the array (Uint8Array = bool). */
export interface FeedTensor {
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;
  dims: readonly number[];
}

export interface TrainingStepResult {
  /** This micro-batch's loss. */
  loss: number;
  /** Global gradient L2 norm before clipping, on micro-batches that ended with an optimizer step. */
  gradNorm: number | undefined;
  /** Whether this micro-batch ended with an optimizer step. */
  optimizerStep: boolean;
}

/** How one micro-batch of an accumulating session counts (see `TrainingSession.step`). */
export interface StepControl {
  lossScale?: number;
  update?: boolean;
}

/** Adam moments of one parameter (what a checkpoint stores). */
export interface ParameterMoments {
  expAvg: Float32Array;
  expAvgSq: Float32Array;
}

const LOSS_SCALE_INPUT = 'loss_grad_scale';

/** Which of a ping-pong pair of buffers. */
type Side = 0 | 1;
const other = (side: Side): Side => (side === 0 ? 1 : 0);

interface Slot {
  name: string;
  dims: number[];
  decay: boolean;
  /** Buffers [current, next]: two arrays that swap roles each step, or one array twice (in-place updates). */
  params: [Float32Array, Float32Array];
  expAvg: [Float32Array, Float32Array];
  expAvgSq: [Float32Array, Float32Array];
  grads?: [Float32Array, Float32Array];
  tensors: {
    params: [Ort.Tensor, Ort.Tensor];
    expAvg: [Ort.Tensor, Ort.Tensor];
    expAvgSq: [Ort.Tensor, Ort.Tensor];
    grads?: [Ort.Tensor, Ort.Tensor];
  };
  /** Output names in the compiled graphs. */
  out: { param: string; expAvg: string; expAvgSq: string; grad?: string };
  /** Input names of the moments (and accumulated gradient) in the compiled graphs. */
  in: { expAvg: string; expAvgSq: string; grad?: string };
}

function staticDims(g: GraphBuilder, name: string): number[] {
  const info = g.tensorInfo(name);
  if (info === undefined || info.type !== 'float32')
    throw new TrainingGraphError(`parameter "${name}" is not a float32 input of the forward graph`, {
      hint: 'Declare each parameter with g.input(name, "float32", dims)',
    });
  if (!info.dims.every((d) => typeof d === 'number'))
    throw new TrainingGraphError(`parameter "${name}" has a symbolic dim (${info.dims.join(', ')})`);
  return info.dims as number[];
}

function sessionOptions(
  ort: OrtModule,
  providers: string[],
  options: TrainingSessionOptions,
): Ort.InferenceSession.SessionOptions {
  const spin = options.spinning ? '1' : '0';
  return {
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
    executionProviders: providers,
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    intraOpNumThreads: options.threads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: options.memoryArena ?? true,
    enableMemPattern: options.memoryPattern ?? true,
    logSeverityLevel: ort.env.logLevel === 'verbose' ? 0 : 3,
    ...(options.profile ? { enableProfiling: true, profileFilePrefix: options.profile } : {}),
  };
}

export async function openSession(
  ort: OrtModule,
  model: ModelProto,
  options: TrainingSessionOptions,
): Promise<Ort.InferenceSession> {
  const bytes = serializeModel(model);
  const device = options.device ?? 'cpu';
  if (device === 'cuda') {
    assertCudaProviderInstalled();
    try {
      return await ort.InferenceSession.create(bytes, sessionOptions(ort, ['cuda'], options));
    } catch (error) {
      throw cudaUnavailableError('session creation failed', error);
    }
  }
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions(ort, ['cpu'], options));
  } catch (error) {
    throw new TrainingGraphError('ONNX Runtime rejected the training graph', {
      cause: error,
      hint: `ORT said: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`,
    });
  }
}

export function feedTensor(ort: OrtModule, name: string, feed: FeedTensor): Ort.Tensor {
  const { data, dims } = feed;
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size)
    throw new OnnxInputError(
      `input "${name}" has ${data.length} values, its dims [${dims.join(', ')}] hold ${size}`,
    );
  const type =
    data instanceof Float32Array
      ? 'float32'
      : data instanceof BigInt64Array
        ? 'int64'
        : data instanceof Int32Array
          ? 'int32'
          : data instanceof Float64Array
            ? 'float64'
            : 'bool';
  return new ort.Tensor(type, data as Float32Array, dims as number[]);
}

/**
 * Trains a forward graph on ONNX Runtime: one session runs forward, backward, gradient clipping and AdamW
 * (with gradient accumulation: a forward+backward session that sums gradients into a buffer, and an optimizer
 * session every `accumulationSteps` micro-batches). Parameters, moments and accumulated gradients live in
 * buffers allocated once, which ORT reads and (as preallocated outputs) overwrites in place, or, with
 * `inPlace: false`, two buffer sets that swap roles every step; no parameter-sized array is allocated after
 * `create`.
 */
export class TrainingSession {
  private current: Side = 0;
  private gradCurrent: Side = 0;
  private micro = 0;
  private steps = 0;
  /** The compiled models, when `keepModels` was set. */
  readonly models: ModelProto[] = [];

  private constructor(
    private readonly ort: OrtModule,
    private readonly slots: Slot[],
    private readonly update: GraphOptimizer,
    private readonly accumulationSteps: number,
    private readonly batchInputs: readonly string[],
    private readonly lossName: string,
    private readonly gradNormName: string,
    private readonly main: Ort.InferenceSession,
    private readonly optimizer: Ort.InferenceSession | undefined,
    readonly device: 'cpu' | 'cuda',
  ) {}

  /**
   * Differentiates `model.loss`, appends the optimizer, compiles the session(s) and copies the initial parameter
   * values in. The model's GraphBuilder is extended in place (backward nodes, moment inputs, outputs): build a
   * fresh one per session. Every graph input that is not a parameter is a batch input of `step`.
   */
  static async create(model: TrainingModel, options: TrainingSessionOptions = {}): Promise<TrainingSession> {
    const ort = await loadOnnxRuntime();
    const config: AdamWConfig = {
      beta1: options.beta1 ?? ADAM_BETA1,
      beta2: options.beta2 ?? ADAM_BETA2,
      eps: options.eps ?? ADAM_EPSILON,
      weightDecay: options.weightDecay ?? 0,
      maxGradNorm: options.maxGradNorm ?? MAX_GRAD_NORM,
    };
    const update = options.optimizer ?? clippedAdamW(config);
    const accumulationSteps = options.accumulationSteps ?? 1;
    if (!Number.isInteger(accumulationSteps) || accumulationSteps < 1)
      throw new TrainingGraphError(`accumulationSteps must be a positive integer, got ${accumulationSteps}`);
    const { graph: g, loss } = model;
    const names = model.parameters.map((p) => p.name);
    const paramSet = new Set(names);
    // Every graph input that is not a parameter is fed per batch.
    const declared = g.build('probe', '').graph?.input ?? [];
    const batchInputs = declared.map((i) => i.name as string).filter((n) => !paramSet.has(n));

    const accumulate = accumulationSteps > 1;
    const inPlace = options.inPlace ?? true;
    const seed = accumulate ? g.input(LOSS_SCALE_INPUT, 'float32', []) : undefined;
    const grads = gradients(g, loss, names, { seed, contribOps: options.contribOps ?? true });

    const slots: Slot[] = model.parameters.map((p) => {
      const dims = staticDims(g, p.name);
      const size = dims.reduce((a, b) => a * b, 1);
      if (p.data.length !== size)
        throw new TrainingGraphError(
          `parameter "${p.name}" has ${p.data.length} values, its dims hold ${size}`,
        );
      const pair = (): [Float32Array, Float32Array] => {
        const buffer = new Float32Array(size);
        return inPlace ? [buffer, buffer] : [buffer, new Float32Array(size)];
      };
      const params = pair();
      params[0].set(p.data);
      const expAvg = pair();
      const expAvgSq = pair();
      const tensorPair = (bufs: [Float32Array, Float32Array]): [Ort.Tensor, Ort.Tensor] => {
        const first = new ort.Tensor('float32', bufs[0], dims);
        return bufs[1] === bufs[0] ? [first, first] : [first, new ort.Tensor('float32', bufs[1], dims)];
      };
      const slot: Slot = {
        name: p.name,
        dims,
        decay: p.decay,
        params,
        expAvg,
        expAvgSq,
        tensors: { params: tensorPair(params), expAvg: tensorPair(expAvg), expAvgSq: tensorPair(expAvgSq) },
        out: { param: '', expAvg: '', expAvgSq: '' },
        in: { expAvg: `${p.name}.exp_avg`, expAvgSq: `${p.name}.exp_avg_sq` },
      };
      if (accumulate) {
        slot.grads = pair();
        slot.tensors.grads = tensorPair(slot.grads);
        slot.in.grad = `${p.name}.grad_sum`;
      }
      return slot;
    });

    g.output(loss, loss, 'float32', []);
    let main: ModelProto;
    let optimizerModel: ModelProto | undefined;
    let gradNormName: string;
    if (!accumulate) {
      const optimizerSlots: OptimizerSlot[] = slots.map((s) => ({
        param: s.name,
        grad: grads.get(s.name) as string,
        expAvg: g.input(s.in.expAvg, 'float32', s.dims),
        expAvgSq: g.input(s.in.expAvgSq, 'float32', s.dims),
        decay: s.decay,
      }));
      const out = update.emit(g, optimizerSlots);
      gradNormName = out.gradNorm;
      g.output(out.gradNorm, out.gradNorm, 'float32', []);
      slots.forEach((s, i) => {
        s.out = {
          param: out.params[i] as string,
          expAvg: out.expAvg[i] as string,
          expAvgSq: out.expAvgSq[i] as string,
        };
        g.output(s.out.param, s.out.param, 'float32', s.dims);
        g.output(s.out.expAvg, s.out.expAvg, 'float32', s.dims);
        g.output(s.out.expAvgSq, s.out.expAvgSq, 'float32', s.dims);
      });
      main = g.build('training_step', 'bcmb training step: forward, backward, clip, AdamW');
    } else {
      for (const s of slots) {
        const sum = g.one('Add', [
          g.input(s.in.grad as string, 'float32', s.dims),
          grads.get(s.name) as string,
        ]);
        s.out.grad = sum;
        g.output(sum, sum, 'float32', s.dims);
      }
      main = g.build('training_micro_batch', 'bcmb micro-batch: forward, backward, gradient sum');
      const o = new GraphBuilder();
      const optimizerSlots: OptimizerSlot[] = slots.map((s) => ({
        param: o.input(s.name, 'float32', s.dims),
        grad: o.input(s.in.grad as string, 'float32', s.dims),
        expAvg: o.input(s.in.expAvg, 'float32', s.dims),
        expAvgSq: o.input(s.in.expAvgSq, 'float32', s.dims),
        decay: s.decay,
      }));
      const out = update.emit(o, optimizerSlots);
      gradNormName = out.gradNorm;
      o.output(out.gradNorm, out.gradNorm, 'float32', []);
      slots.forEach((s, i) => {
        s.out.param = out.params[i] as string;
        s.out.expAvg = out.expAvg[i] as string;
        s.out.expAvgSq = out.expAvgSq[i] as string;
        o.output(s.out.param, s.out.param, 'float32', s.dims);
        o.output(s.out.expAvg, s.out.expAvg, 'float32', s.dims);
        o.output(s.out.expAvgSq, s.out.expAvgSq, 'float32', s.dims);
      });
      optimizerModel = o.build('optimizer_step', 'bcmb clip + AdamW');
    }
    const mainSession = await openSession(ort, main, options);
    const optimizerSession = optimizerModel ? await openSession(ort, optimizerModel, options) : undefined;
    const session = new TrainingSession(
      ort,
      slots,
      update,
      accumulationSteps,
      batchInputs,
      loss,
      gradNormName,
      mainSession,
      optimizerSession,
      options.device ?? 'cpu',
    );
    if (options.keepModels) session.models.push(main, ...(optimizerModel ? [optimizerModel] : []));
    return session;
  }

  /** Optimizer steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** Inputs fed per batch (the forward's graph inputs that are not parameters). */
  get inputNames(): readonly string[] {
    return this.batchInputs;
  }

  /**
   * One micro-batch at learning rate `lr`: forward and backward, and (every `accumulationSteps` micro-batches)
   * clipping and the AdamW step. `lr` is the rate of the optimizer step this micro-batch belongs to. With
   * accumulation, `control` can weigh this micro-batch's gradient (`lossScale`, default 1/accumulationSteps) and
   * say whether the optimizer step follows it (`update`, default: after every `accumulationSteps`-th).
   */
  async step(
    batch: Record<string, FeedTensor>,
    lr: number,
    control: StepControl = {},
  ): Promise<TrainingStepResult> {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const name of this.batchInputs) {
      if (name === LOSS_SCALE_INPUT) continue;
      const feed = batch[name];
      if (feed === undefined)
        throw new OnnxInputError(`the batch has no input "${name}"`, {
          hint: `Feed ${this.batchInputs.join(', ')}`,
        });
      feeds[name] = feedTensor(this.ort, name, feed);
    }
    const cur = this.current;
    const next = other(cur);
    for (const s of this.slots) feeds[s.name] = s.tensors.params[cur];
    const fetches: Record<string, Ort.Tensor | null> = { [this.lossName]: null };
    const last = control.update ?? this.micro + 1 === this.accumulationSteps;
    let gradNorm: number | undefined;
    try {
      if (this.optimizer === undefined) {
        const scalars = this.update.scalars(lr, this.steps + 1);
        for (const [name, value] of Object.entries(scalars))
          feeds[name] = new this.ort.Tensor('float32', Float32Array.of(value), []);
        for (const s of this.slots) {
          feeds[s.in.expAvg] = s.tensors.expAvg[cur];
          feeds[s.in.expAvgSq] = s.tensors.expAvgSq[cur];
          fetches[s.out.param] = s.tensors.params[next];
          fetches[s.out.expAvg] = s.tensors.expAvg[next];
          fetches[s.out.expAvgSq] = s.tensors.expAvgSq[next];
        }
        fetches[this.gradNormName] = null;
        const out = await this.main.run(pruneFeeds(this.main, feeds), fetches);
        this.current = next;
        this.steps += 1;
        return {
          loss: scalarOf(out, this.lossName),
          gradNorm: scalarOf(out, this.gradNormName),
          optimizerStep: true,
        };
      }
      // Accumulation: grads[gCur] holds the running sum (zeroed on the first micro-batch), ORT writes the new sum.
      const gCur = this.gradCurrent;
      if (this.micro === 0)
        for (const s of this.slots) (s.grads as [Float32Array, Float32Array])[gCur].fill(0);
      feeds[LOSS_SCALE_INPUT] = new this.ort.Tensor(
        'float32',
        Float32Array.of(control.lossScale ?? 1 / this.accumulationSteps),
        [],
      );
      for (const s of this.slots) {
        const g = s.tensors.grads as [Ort.Tensor, Ort.Tensor];
        feeds[s.in.grad as string] = g[gCur];
        fetches[s.out.grad as string] = g[other(gCur)];
      }
      const out = await this.main.run(feeds, fetches);
      this.gradCurrent = other(gCur);
      this.micro += 1;
      const loss = scalarOf(out, this.lossName);
      if (!last) return { loss, gradNorm: undefined, optimizerStep: false };
      const optFeeds: Record<string, Ort.Tensor> = {};
      const optFetches: Record<string, Ort.Tensor | null> = { [this.gradNormName]: null };
      const scalars = this.update.scalars(lr, this.steps + 1);
      for (const [name, value] of Object.entries(scalars))
        optFeeds[name] = new this.ort.Tensor('float32', Float32Array.of(value), []);
      for (const s of this.slots) {
        optFeeds[s.name] = s.tensors.params[cur];
        optFeeds[s.in.grad as string] = (s.tensors.grads as [Ort.Tensor, Ort.Tensor])[this.gradCurrent];
        optFeeds[s.in.expAvg] = s.tensors.expAvg[cur];
        optFeeds[s.in.expAvgSq] = s.tensors.expAvgSq[cur];
        optFetches[s.out.param] = s.tensors.params[next];
        optFetches[s.out.expAvg] = s.tensors.expAvg[next];
        optFetches[s.out.expAvgSq] = s.tensors.expAvgSq[next];
      }
      const opt = await this.optimizer.run(pruneFeeds(this.optimizer, optFeeds), optFetches);
      gradNorm = scalarOf(opt, this.gradNormName);
      this.current = next;
      this.steps += 1;
      this.micro = 0;
      return { loss, gradNorm, optimizerStep: true };
    } catch (error) {
      if (error instanceof OnnxInputError) throw error;
      throw new TrainingGraphError('ONNX Runtime failed to run a training step', {
        cause: error,
        hint: `Check the batch shapes and types against the forward's inputs. ORT said: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`,
      });
    }
  }

  /** The live parameter buffer of `name` (overwritten by the next step: copy it to keep it). */
  parameter(name: string): Float32Array {
    const slot = this.slots.find((s) => s.name === name);
    if (slot === undefined) throw new OnnxInputError(`no parameter "${name}"`);
    return slot.params[this.current];
  }

  /** Copies of every parameter by name, for checkpoints. */
  parameters(): Map<string, Float32Array> {
    return new Map(this.slots.map((s) => [s.name, s.params[this.current].slice()]));
  }

  /** Copies of the Adam moments by name, for checkpoints. */
  moments(): Map<string, ParameterMoments> {
    return new Map(
      this.slots.map((s) => [
        s.name,
        { expAvg: s.expAvg[this.current].slice(), expAvgSq: s.expAvgSq[this.current].slice() },
      ]),
    );
  }

  /** Restores parameters, moments and the step count (resume from a checkpoint). */
  restore(state: {
    step: number;
    parameters: Map<string, Float32Array>;
    moments?: Map<string, ParameterMoments>;
  }): void {
    for (const s of this.slots) {
      const p = state.parameters.get(s.name);
      if (p === undefined || p.length !== s.params[this.current].length)
        throw new OnnxInputError(
          `the checkpoint has no parameter "${s.name}" of ${s.params[this.current].length} values`,
        );
      s.params[this.current].set(p);
      const m = state.moments?.get(s.name);
      s.expAvg[this.current].set(m?.expAvg ?? new Float32Array(p.length));
      s.expAvgSq[this.current].set(m?.expAvgSq ?? new Float32Array(p.length));
    }
    this.steps = state.step;
    this.micro = 0;
  }

  async release(): Promise<void> {
    this.main.endProfiling();
    await this.main.release();
    await this.optimizer?.release();
  }
}

function pruneFeeds(
  session: Ort.InferenceSession,
  feeds: Record<string, Ort.Tensor>,
): Record<string, Ort.Tensor> {
  const wanted = new Set(session.inputNames);
  const out: Record<string, Ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) if (wanted.has(k)) out[k] = v;
  return out;
}

function scalarOf(out: Record<string, Ort.Tensor>, name: string): number {
  const t = out[name];
  if (t === undefined) throw new TrainingGraphError(`the training graph returned no "${name}"`);
  return Number((t.data as Float32Array)[0]);
}
