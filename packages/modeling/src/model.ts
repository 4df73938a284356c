import type * as tf from '@tensorflow/tfjs-core';
import type { EncoderConfig } from './config.js';
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
