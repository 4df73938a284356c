import {
  backbonePrefix,
  className,
  type EncoderConfig,
  type Family,
  familyOf,
  type Task,
} from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';
import { ParameterSet } from './nn.js';
import type { RecomputeMode } from './recompute.js';
import { TaskLoss } from './task-loss.js';
import { TfjsOps } from './tfjs-ops.js';

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
  /** pretraining: [B] int32 next-sentence labels (0 = B follows A, 1 = B is random); the loss adds their CE. */
  nextSentenceLabels?: tf.Tensor1D;
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
  /** pretraining: next-sentence logits [B, 2]. */
  seqRelationshipLogits?: tf.Tensor2D;
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
  output.seqRelationshipLogits?.dispose();
  for (const hidden of output.hiddenStates ?? []) hidden.dispose();
}

/**
 * A model of any registered family on tfjs: its parameters are created from the family's parameter list (from
 * the checkpoint, or initialised), and `forward` runs the family's forward on `TfjsOps` in one tidy scope.
 */
export class EncoderForTask<C extends EncoderConfig = EncoderConfig> implements EncoderModel<C> {
  readonly className: string;
  readonly basePrefix: string;
  readonly tiedWeights: ReadonlyMap<string, string>;
  private readonly family: Family<C>;
  private readonly taskLoss: TaskLoss;
  private readonly paddingIdx = new Map<string, number | null>();

  constructor(
    readonly config: C,
    readonly task: Task,
    readonly params: ParameterSet = new ParameterSet(),
  ) {
    this.family = familyOf(config);
    this.className = className(config, task);
    this.basePrefix = backbonePrefix(this.family, task);
    this.tiedWeights = this.family.tiedWeights(config, task);
    this.taskLoss = new TaskLoss(task, config);
    for (const spec of this.family.parameters(config, task)) {
      params.create(spec.name, spec.shape, spec.init, { transpose: spec.role === 'linear' });
      if (spec.paddingIdx !== undefined) this.paddingIdx.set(spec.name, spec.paddingIdx);
    }
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const training = options.training ?? false;
    const recompute: RecomputeMode = !(options.gradientCheckpointing ?? defaultCheckpointing(training))
      ? 'plain'
      : options.outputHiddenStates
        ? 'blocks'
        : 'stack';
    return tf.tidy(() => {
      const [batch, length] = inputs.inputIds.shape;
      const attentionMask = inputs.attentionMask ?? (tf.ones([batch, length], 'int32') as tf.Tensor2D);
      const ops = new TfjsOps(
        this.params,
        { inputIds: inputs.inputIds, attentionMask, tokenTypeIds: inputs.tokenTypeIds },
        this.paddingIdx,
        training,
        recompute,
      );
      const result = this.family.forward(ops, this.config, this.task);
      const perToken = (x: tf.Tensor2D) => tf.reshape(x, [batch, length, x.shape[1]]) as tf.Tensor3D;
      const output: ModelOutput = { lastHiddenState: perToken(result.hidden) };
      if (options.outputHiddenStates) output.hiddenStates = result.hiddenStates.map(perToken);
      if (result.pooled) output.poolerOutput = result.pooled;
      if (result.seqRelationshipLogits) output.seqRelationshipLogits = result.seqRelationshipLogits;
      if (result.logits) {
        output.logits = this.task === 'sequence-classification' ? result.logits : perToken(result.logits);
        if (inputs.labels)
          output.loss = this.taskLoss.compute(output.logits, inputs.labels, {
            ...(output.seqRelationshipLogits ? { seqRelationshipLogits: output.seqRelationshipLogits } : {}),
            ...(inputs.nextSentenceLabels ? { nextSentenceLabels: inputs.nextSentenceLabels } : {}),
          });
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
