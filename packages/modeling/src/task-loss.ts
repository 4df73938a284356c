import type { ConfigProblemType, EncoderConfig, Task } from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';
import { ModelInputError } from './errors.js';
import {
  crossEntropyLoss,
  inferProblemType,
  sequenceClassificationLoss,
  tokenCrossEntropyLoss,
} from './losses.js';

/** The next-sentence half of the pre-training task's loss. */
export interface NextSentenceTerms {
  seqRelationshipLogits?: tf.Tensor2D;
  nextSentenceLabels?: tf.Tensor1D;
}

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

  compute(logits: tf.Tensor, labels: tf.Tensor, nsp: NextSentenceTerms = {}): tf.Scalar {
    switch (this.task) {
      case 'pretraining': {
        // BertForPreTraining: total_loss = masked_lm_loss + next_sentence_loss. Without next-sentence labels (MLM
        // evaluation) the MLM loss alone, where transformers would return no loss.
        const { seqRelationshipLogits, nextSentenceLabels } = nsp;
        const mlm = tokenCrossEntropyLoss(logits as tf.Tensor3D, labels);
        if (!seqRelationshipLogits || !nextSentenceLabels) return mlm;
        return tf.add(mlm, crossEntropyLoss(seqRelationshipLogits, nextSentenceLabels)) as tf.Scalar;
      }
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
