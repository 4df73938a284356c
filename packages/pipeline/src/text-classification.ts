/**
 * Sequence-classifier logits → `{ label, score }` lists, as transformers' `TextClassificationPipeline` makes them.
 * No Node built-ins: browser bundles reuse it.
 */
import type { ConfigProblemType } from '@bcmb/architectures';
import { MetricsInputError } from '@bcmb/metrics';
import { sigmoid, softmax } from './scores.js';

/** transformers' `function_to_apply`: what turns a classifier's logits into scores. */
export type ClassificationFunction = 'softmax' | 'sigmoid' | 'none';

export interface TextClassificationLabel {
  label: string;
  score: number;
}

/** What a classifier head needs from config.json. */
export interface ClassifierLabels {
  id2label: Record<string, string>;
  numLabels: number;
  problemType: ConfigProblemType | null;
}

/** The label of id `i` in config.json `id2label` (`LABEL_i` when absent, as transformers names them). */
export function labelOf(id2label: Record<string, string>, i: number): string {
  return id2label[String(i)] ?? `LABEL_${i}`;
}

/**
 * transformers' default `function_to_apply`: none for regression, sigmoid for multi-label or a single output,
 * softmax otherwise.
 */
export function defaultClassificationFunction(labels: ClassifierLabels): ClassificationFunction {
  if (labels.problemType === 'regression') return 'none';
  if (labels.problemType === 'multi_label_classification' || labels.numLabels === 1) return 'sigmoid';
  return 'softmax';
}

/**
 * Scores of one text's logits, sorted by score (ties keep label order, as Python's stable sort), the first `topK`
 * (`null`: every label). A NaN logit (a broken model) throws instead of ranking.
 */
export function classifyLogits(
  logits: ArrayLike<number>,
  labels: ClassifierLabels,
  options: { functionToApply?: ClassificationFunction; topK?: number | null } = {},
): TextClassificationLabel[] {
  for (let i = 0; i < logits.length; i++) {
    if (Number.isNaN(logits[i])) {
      throw new MetricsInputError('not-a-number', `logits[${i}] is NaN`, {
        hint: 'The model produced NaN; check the checkpoint and the inputs',
      });
    }
  }
  const fn = options.functionToApply ?? defaultClassificationFunction(labels);
  const scores =
    fn === 'softmax' ? softmax(logits) : fn === 'sigmoid' ? sigmoid(logits) : Float64Array.from(logits);
  const ranked = Array.from(scores, (score, i) => ({ label: labelOf(labels.id2label, i), score, i }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ label, score }) => ({ label, score }));
  const topK = options.topK === undefined ? 1 : options.topK;
  return topK === null ? ranked : ranked.slice(0, topK);
}
