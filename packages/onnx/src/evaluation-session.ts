import type { ConfigProblemType, EncoderConfig, Task } from '@bcmb/architectures';
import type * as Ort from 'onnxruntime-node';
import { OnnxInputError } from './errors.js';
import { loadOnnxRuntime } from './runtime.js';
import { type FeedTensor, feedTensor, openSession, type TrainingSessionOptions } from './training/session.js';
import { buildTrainingGraph, LOSS } from './training-graph.js';

/** Graph output of the logits in an evaluation graph. */
const LOGITS_OUTPUT = 'logits';

export interface EvaluationOutput {
  /** The task loss (mean, as in training). */
  loss: number;
  /** `[B, C]` for sequence tasks; `[tokens, C]` rows of the real tokens, sequence by sequence, for token tasks. */
  logits: Float32Array;
}

/**
 * The forward of a training graph without dropout, on parameters fed per run (a training session's live buffers):
 * what the trainer's evaluation runs between steps without exporting the weights.
 */
export class EvaluationSession {
  private constructor(
    private readonly session: Ort.InferenceSession,
    private readonly ort: typeof Ort,
    readonly parameterNames: readonly string[],
  ) {}

  static async create(
    config: EncoderConfig,
    task: Task,
    options: Pick<TrainingSessionOptions, 'device' | 'threads' | 'memoryArena'> & {
      problemType?: ConfigProblemType;
    } = {},
  ): Promise<EvaluationSession> {
    const ort = await loadOnnxRuntime();
    const built = buildTrainingGraph(config, task, {
      dropoutMasks: 'none',
      ...(options.problemType ? { problemType: options.problemType } : {}),
    });
    built.graph.output(built.logits, LOGITS_OUTPUT, 'float32', ['rows', config.numLabels]);
    const model = built.graph.build('evaluation', 'bcmb evaluation forward: loss and logits');
    const session = await openSession(ort, model, options);
    return new EvaluationSession(
      session,
      ort,
      built.parameters.map((p) => p.name),
    );
  }

  /** Runs one batch; `parameter(name)` gives each parameter's current values (not copied). */
  async run(
    batch: Record<string, FeedTensor>,
    parameter: (name: string) => { data: Float32Array; dims: readonly number[] },
  ): Promise<EvaluationOutput> {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const feed = this.parameterNames.includes(name) ? parameter(name) : batch[name];
      if (feed === undefined)
        throw new OnnxInputError(`the evaluation batch has no input "${name}"`, {
          hint: `Feed ${this.session.inputNames.filter((n) => !this.parameterNames.includes(n)).join(', ')}`,
        });
      feeds[name] = feedTensor(this.ort, name, feed);
    }
    const out = await this.session.run(feeds);
    const loss = out[LOSS];
    const logits = out[LOGITS_OUTPUT];
    if (loss === undefined || logits === undefined)
      throw new OnnxInputError('the evaluation graph returned no loss or logits');
    return { loss: Number((loss.data as Float32Array)[0]), logits: logits.data as Float32Array };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
