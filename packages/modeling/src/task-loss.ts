import type { ConfigProblemType, EncoderConfig, Task } from '@bcmb/architectures';
import type * as tf from '@tensorflow/tfjs-core';
import { ModelInputError } from './errors.js';
import { inferProblemType, sequenceClassificationLoss, tokenCrossEntropyLoss } from './losses.js';

/**
 * The loss each `transformers` head computes from its logits: masked-lm and token classification use
 * cross-entropy ignoring -100; sequence classification picks MSE / cross-entropy / BCE by problem type, settling
 * an unset problem type on first use (as `config.problem_type` is assigned in transformers).
 */
export class TaskLoss {
  problemType: ConfigProblemType | null;

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
