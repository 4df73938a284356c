import { assertNonEmpty } from './checks.js';
import { MetricsInputError } from './errors.js';

/** One score vector (a row of logits); typed arrays work as well as plain arrays. */
export type LogitRow = ArrayLike<number>;

/** Multi-label decision rule of the research code: `preds = (logits > 0)`, strictly. */
export const MULTILABEL_LOGIT_THRESHOLD = 0;

/**
 * `np.argmax` over one row: the index of the largest value, the FIRST one on ties. NaN throws
 * (numpy would silently pick it), since a NaN logit means the model output is broken.
 */
export function argmax(row: LogitRow, where = 'logits'): number {
  assertNonEmpty(row, `argmax over ${where}`);
  let best = 0;
  for (let i = 0; i < row.length; i++) {
    const value = row[i]!;
    if (Number.isNaN(value)) throw nanLogit(`${where}[${i}]`);
    if (value > row[best]!) best = i;
  }
  return best;
}

/** `logits > threshold` element-wise as 0/1, the research code's multi-label predictions. */
export function thresholdLogits(
  logits: readonly LogitRow[],
  threshold = MULTILABEL_LOGIT_THRESHOLD,
): number[][] {
  return logits.map((row, r) =>
    Array.from(row, (value, c) => {
      if (Number.isNaN(value)) throw nanLogit(`logits[${r}][${c}]`);
      return value > threshold ? 1 : 0;
    }),
  );
}

/** Throws unless every row has `width` entries (numpy arrays are rectangular). */
export function assertRowWidth(rows: readonly { length: number }[], width: number, what: string): void {
  rows.forEach((row, r) => {
    if (row.length !== width) {
      throw new MetricsInputError(
        'length-mismatch',
        `${what}[${r}] has ${row.length} entries but ${what}[0] has ${width}`,
        { hint: 'Every row must have one entry per label' },
      );
    }
  });
}

function nanLogit(where: string): MetricsInputError {
  return new MetricsInputError('not-a-number', `${where} is NaN`, {
    hint: 'The model produced NaN; check the checkpoint and the inputs (e.g. an all-masked attention row)',
  });
}
