import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointMode } from './checkpoint.js';
import type { EncoderConfig } from './config.js';
import { TaskLoss } from './heads.js';
import type { ParameterSet } from './nn.js';

/** The head on top of the encoder, named after the `transformers` class suffix. */
export type Task = 'base' | 'masked-lm' | 'sequence-classification' | 'token-classification';

export const TASK_CLASS_SUFFIX: Record<Task, string> = {
  base: 'Model',
  'masked-lm': 'ForMaskedLM',
  'sequence-classification': 'ForSequenceClassification',
  'token-classification': 'ForTokenClassification',
};

export interface ModelInputs {
  /** [B, L] token ids (int32). */
  inputIds: tf.Tensor2D;
  /** [B, L], 1 for real tokens and 0 for padding; all ones when omitted. */
  attentionMask?: tf.Tensor2D;
  /** [B, L] segment ids (BERT only); all zeros when omitted. */
  tokenTypeIds?: tf.Tensor2D;
  /**
   * masked-lm and token-classification: [B, L] int32 ids, -100 ignored. sequence-classification: [B] int32 class
   * ids (single label), [B, C] float32 multi-hot (multi label) or [B] / [B, C] float32 targets (regression).
   */
  labels?: tf.Tensor;
}

export interface ForwardOptions {
  /** Dropout is active only when training. */
  training?: boolean;
  /** Also return every hidden state `transformers` returns with `output_hidden_states=True`. */
  outputHiddenStates?: boolean;
  /**
   * Gradient checkpointing: each encoder layer keeps only its input for the backward pass and is recomputed there
   * (one more forward's worth of work, memory of one layer's intermediates instead of all). Default: on when
   * training on the wasm backend, whose heap is limited to 4 GB.
   */
  gradientCheckpointing?: boolean;
}

/** The default of `ForwardOptions.gradientCheckpointing`. */
export function defaultCheckpointing(training: boolean): boolean {
  return training && tf.getBackend() === 'wasm';
}

export interface ModelOutput {
  /** [B, L, H] final hidden states. */
  lastHiddenState: tf.Tensor3D;
  /** Head output: [B, L, V] (masked-lm), [B, C] (sequence), [B, L, C] (token); absent for `base`. */
  logits?: tf.Tensor;
  /** Mean loss as `transformers` computes it, when labels were given. */
  loss?: tf.Scalar;
  hiddenStates?: tf.Tensor3D[];
  /** BERT's tanh pooler output [B, H], when the model has a pooler. */
  poolerOutput?: tf.Tensor2D;
}

/** A BERT-family encoder with one task head, its parameters held as trainable tfjs Variables. */
export interface EncoderModel<C extends EncoderConfig = EncoderConfig> {
  readonly config: C;
  readonly task: Task;
  /** The `transformers` class this model mirrors, e.g. `ModernBertForSequenceClassification`. */
  readonly className: string;
  /** Prefix of backbone weights (`bert.`, `model.`), '' for a bare base model. */
  readonly basePrefix: string;
  /** Weight names that alias another parameter (tied decoder) → the parameter they alias. */
  readonly tiedWeights: ReadonlyMap<string, string>;
  /** Every tensor is new: dispose them (dispose() on the output, or run inside tf.tidy). */
  forward(inputs: ModelInputs, options?: ForwardOptions): ModelOutput;
  /** Trainable parameters by `transformers` weight name. Linear weights are [in, out] (see README). */
  parameters(): Map<string, tf.Variable>;
  /** The parameter store (layout information, initialised names). */
  readonly params: ParameterSet;
  dispose(): void;
}

/** Disposes every tensor of a forward output. */
export function disposeOutput(output: ModelOutput): void {
  output.lastHiddenState.dispose();
  output.logits?.dispose();
  output.loss?.dispose();
  output.poolerOutput?.dispose();
  for (const hidden of output.hiddenStates ?? []) hidden.dispose();
}

/** What a family's encoder hands to the shared forward: final hidden rows and every hidden state, [B·L, H]. */
export interface EncodedSequence {
  hidden: tf.Tensor2D;
  hiddenStates: tf.Tensor2D[];
}

/** The head's outputs for one forward pass. */
export interface HeadOutput {
  logits?: tf.Tensor;
  poolerOutput?: tf.Tensor2D;
}

/**
 * The forward pass every family shares: default attention mask, encoder, hidden-state bookkeeping, head and loss,
 * in one tidy scope. Families supply `encode` and `applyHead`, named after their transformers modules.
 */
export abstract class EncoderForTask<C extends EncoderConfig> implements EncoderModel<C> {
  readonly className: string;
  readonly basePrefix: string;
  readonly tiedWeights = new Map<string, string>();
  private readonly taskLoss: TaskLoss;

  constructor(
    readonly config: C,
    readonly task: Task,
    readonly params: ParameterSet,
    family: { classPrefix: string; basePrefix: string },
  ) {
    this.className = `${family.classPrefix}${TASK_CLASS_SUFFIX[task]}`;
    this.basePrefix = task === 'base' ? '' : family.basePrefix;
    this.taskLoss = new TaskLoss(task, config);
  }

  /** `checkpoint`: how the encoder blocks run (`runBlocks`); with `stack`, `hiddenStates` may be left empty. */
  protected abstract encode(
    inputs: ModelInputs,
    attentionMask: tf.Tensor2D,
    training: boolean,
    checkpoint: CheckpointMode,
  ): EncodedSequence;

  protected abstract applyHead(
    hidden: tf.Tensor2D,
    sequence: tf.Tensor3D,
    attentionMask: tf.Tensor2D,
    training: boolean,
  ): HeadOutput;

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const training = options.training ?? false;
    const checkpoint: CheckpointMode = !(options.gradientCheckpointing ?? defaultCheckpointing(training))
      ? 'plain'
      : options.outputHiddenStates
        ? 'blocks'
        : 'stack';
    return tf.tidy(() => {
      const [batch, length] = inputs.inputIds.shape;
      const attentionMask = inputs.attentionMask ?? (tf.ones([batch, length], 'int32') as tf.Tensor2D);
      const as3d = (x: tf.Tensor2D) => tf.reshape(x, [batch, length, this.config.hiddenSize]) as tf.Tensor3D;
      const { hidden, hiddenStates } = this.encode(inputs, attentionMask, training, checkpoint);
      const lastHiddenState = as3d(hidden);
      const output: ModelOutput = { lastHiddenState };
      if (options.outputHiddenStates) output.hiddenStates = hiddenStates.map(as3d);
      const { logits, poolerOutput } = this.applyHead(hidden, lastHiddenState, attentionMask, training);
      if (poolerOutput) output.poolerOutput = poolerOutput;
      if (logits) {
        output.logits = logits;
        if (inputs.labels) output.loss = this.taskLoss.compute(logits, inputs.labels);
      }
      return output as unknown as tf.TensorContainer;
    }) as unknown as ModelOutput;
  }

  parameters(): Map<string, tf.Variable> {
    return new Map(this.params.variables);
  }

  dispose(): void {
    this.params.dispose();
  }
}
