import { assertNonEmpty, assertSameLength } from './checks.js';
import { MetricsInputError } from './errors.js';
import { argmax, assertRowWidth, type LogitRow } from './logits.js';
import { seqeval } from './seqeval.js';

/** Label names by id: a model config's `id2label` (`{"0": "O", ...}`) or an array. */
export type Id2Label = Readonly<Record<number, string>> | readonly string[];

/**
 * Label id that marks positions to skip (transformers' `-100`: special tokens, later sub-words, padding): the
 * losses, the label alignment and the metrics all skip it. bcmb's one definition of it.
 */
export const IGNORED_LABEL_ID = -100;

/** What the research code's `compute_metrics_token_classification` returns (seqeval's overall scores). */
export interface TokenClassificationMetrics {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
}

export interface AlignedTags {
  predictions: string[][];
  references: string[][];
}

/**
 * Turns logits `[batch][seq][labels]` and label ids `[batch][seq]` into tag sequences the way the
 * research code does: argmax per position (first maximum on ties), positions labelled -100 dropped,
 * ids mapped through `id2label`.
 */
export function alignTokenPredictions(
  logits: readonly (readonly LogitRow[])[],
  labels: readonly ArrayLike<number>[],
  id2label: Id2Label,
): AlignedTags {
  assertSameLength(labels, logits, ['label sequences', 'logit sequences'], 'token classification');
  assertNonEmpty(labels, 'token classification');
  const aligned: AlignedTags = { predictions: [], references: [] };
  labels.forEach((sequence, b) => {
    const rows = logits[b]!;
    assertSameLength(sequence, rows, ['labels', 'logit rows'], `token classification sequence ${b}`);
    if (rows.length > 0) assertRowWidth(rows, rows[0]!.length, `logits[${b}]`);
    const predicted: string[] = [];
    const reference: string[] = [];
    for (let t = 0; t < sequence.length; t++) {
      const labelId = sequence[t]!;
      if (labelId === IGNORED_LABEL_ID) continue;
      reference.push(labelName(id2label, labelId, `labels[${b}][${t}]`));
      predicted.push(
        labelName(id2label, argmax(rows[t]!, `logits[${b}][${t}]`), `argmax of logits[${b}][${t}]`),
      );
    }
    aligned.predictions.push(predicted);
    aligned.references.push(reference);
  });
  return aligned;
}

/**
 * The research code's `compute_metrics_token_classification`: align (see {@link alignTokenPredictions}),
 * then seqeval in default mode, returning its overall precision, recall, F1 and accuracy. Throws
 * `undefined-metric` when every label is -100, where seqeval raises ZeroDivisionError.
 */
export function computeTokenClassificationMetrics(
  logits: readonly (readonly LogitRow[])[],
  labels: readonly ArrayLike<number>[],
  id2label: Id2Label,
): TokenClassificationMetrics {
  const { predictions, references } = alignTokenPredictions(logits, labels, id2label);
  const result = seqeval(references, predictions);
  return {
    precision: result.overall_precision,
    recall: result.overall_recall,
    f1: result.overall_f1,
    accuracy: result.overall_accuracy,
  };
}

function labelName(id2label: Id2Label, id: number, where: string): string {
  const name = Number.isInteger(id) ? (id2label as Readonly<Record<number, string>>)[id] : undefined;
  const known = Array.isArray(id2label)
    ? id >= 0 && id < id2label.length
    : Object.hasOwn(id2label, String(id));
  if (!known || typeof name !== 'string') {
    const size = Array.isArray(id2label) ? id2label.length : Object.keys(id2label).length;
    throw new MetricsInputError(
      'unknown-label-id',
      `${where} = ${id} is not a key of id2label (${size} labels)`,
      {
        hint: `Use ids from the model's id2label, or ${IGNORED_LABEL_ID} for positions to ignore`,
      },
    );
  }
  return name;
}
