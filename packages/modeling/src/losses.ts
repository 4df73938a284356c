import type { ConfigProblemType } from '@bcmb/architectures';
import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import * as tf from '@tensorflow/tfjs-core';

/**
 * torch.nn.CrossEntropyLoss (mean reduction, ignore_index -100): logits [N, C], labels [N] int.
 * The mean runs over non-ignored labels only; with none it is NaN, as in PyTorch.
 */
export function crossEntropyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const ids = tf.cast(labels, 'int32');
    const valid = tf.cast(tf.notEqual(ids, IGNORED_LABEL_ID), 'float32');
    const safeIds = tf.where(tf.notEqual(ids, IGNORED_LABEL_ID), ids, tf.zerosLike(ids));
    const logProbs = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(safeIds, numClasses)), 1);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, valid))), tf.sum(valid)) as tf.Scalar;
  });
}

/** torch.nn.BCEWithLogitsLoss (mean over every element), in its stable form max(x,0) - x·y + log(1 + e^-|x|). */
export function bceWithLogitsLoss(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(targets, 'float32');
    const perElement = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, y)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    return tf.mean(perElement) as tf.Scalar;
  });
}

/** torch.nn.MSELoss (mean). */
export function mseLoss(predictions: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(predictions, tf.cast(targets, 'float32'))) as tf.Scalar);
}

/**
 * The problem type `*ForSequenceClassification` settles on when config.problem_type is unset: regression for one
 * label, single-label for integer labels, multi-label otherwise.
 */
export function inferProblemType(numLabels: number, labels: tf.Tensor): ConfigProblemType {
  if (numLabels === 1) return 'regression';
  return labels.dtype === 'int32' ? 'single_label_classification' : 'multi_label_classification';
}

/** The sequence-classification loss of `transformers` for a problem type. */
export function sequenceClassificationLoss(
  problemType: ConfigProblemType,
  logits: tf.Tensor2D,
  labels: tf.Tensor,
): tf.Scalar {
  const numLabels = logits.shape[1];
  switch (problemType) {
    case 'regression':
      return numLabels === 1
        ? tf.tidy(() => mseLoss(tf.reshape(logits, [-1]), tf.reshape(labels, [-1])))
        : mseLoss(logits, labels);
    case 'single_label_classification':
      return tf.tidy(() => crossEntropyLoss(logits, tf.reshape(labels, [-1]) as tf.Tensor1D));
    case 'multi_label_classification':
      return bceWithLogitsLoss(logits, labels);
  }
}

/** Cross-entropy over every position of [B, L, C] logits against [B, L] labels, -100 ignored. */
export function tokenCrossEntropyLoss(logits: tf.Tensor3D, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[2];
    return crossEntropyLoss(tf.reshape(logits, [-1, numClasses]), tf.reshape(labels, [-1]) as tf.Tensor1D);
  });
}
