import * as tf from '@tensorflow/tfjs-core';
import type { EncoderConfig, ProblemType } from './config.js';
import { ModelInputError } from './errors.js';
import { inferProblemType, sequenceClassificationLoss, tokenCrossEntropyLoss } from './losses.js';
import type { Task } from './model.js';
import { linear } from './nn.js';

/**
 * The loss each `transformers` head computes from its logits: masked-lm and token classification use
 * cross-entropy ignoring -100; sequence classification picks MSE / cross-entropy / BCE by problem type, settling
 * an unset problem type on first use (as `config.problem_type` is assigned in transformers).
 */
export class TaskLoss {
  problemType: ProblemType | null;

  constructor(
    readonly task: Task,
    config: EncoderConfig,
  ) {
    this.problemType = config.problemType;
  }

  compute(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    switch (this.task) {
      case 'masked-lm':
      case 'token-classification':
        return tokenCrossEntropyLoss(logits as tf.Tensor3D, labels);
      case 'sequence-classification': {
        this.problemType ??= inferProblemType(logits.shape[1]!, labels);
        return sequenceClassificationLoss(this.problemType, logits as tf.Tensor2D, labels);
      }
      case 'base':
        throw new ModelInputError('labels were given to a base model, which has no head to compute a loss', {
          hint: 'Load the model with a task (masked-lm, sequence-classification, token-classification)',
        });
    }
  }
}

/** ModernBERT sequence pooling: h[:, 0] (cls) or sum(h·mask) / sum(mask) (mean). */
export function poolSequence(
  hidden: tf.Tensor3D,
  attentionMask: tf.Tensor2D,
  pooling: 'cls' | 'mean',
): tf.Tensor2D {
  return tf.tidy(() => {
    const [batch, , size] = hidden.shape;
    if (pooling === 'cls') return tf.reshape(tf.slice(hidden, [0, 0, 0], [batch, 1, size]), [batch, size]);
    const mask = tf.cast(attentionMask, 'float32');
    const summed = tf.sum(tf.mul(hidden, tf.expandDims(mask, 2)), 1);
    return tf.div(summed, tf.sum(mask, 1, true)) as tf.Tensor2D;
  });
}

/** [B, L] int32 ids as the flat [B·L] vector an embedding lookup takes. */
export function flatIds(ids: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [-1]);
}

/** The MLM decoder tied to the input embeddings: features · Eᵀ (+ bias), E the [vocab, H] table. */
export function tiedDecoder(features: tf.Tensor2D, table: tf.Tensor, bias: tf.Tensor | null): tf.Tensor2D {
  return linear(features, tf.transpose(table) as tf.Tensor2D, bias);
}
