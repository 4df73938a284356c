import type { ProblemType } from '@bcmb/datasets';
import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import * as tf from '@tensorflow/tfjs-core';

/** One tokenized example. `label` is a class id, a multi-hot row, or one id per token (-100 where ignored). */
export interface EncodedExample {
  inputIds: number[];
  tokenTypeIds?: number[];
  label: number | number[];
}

/** A padded batch; it is itself a valid `ModelInputs` (dispose with `disposeBatch`). */
export interface Batch {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  tokenTypeIds?: tf.Tensor2D;
  labels: tf.Tensor;
  /** Real (non-padding) tokens in the batch. */
  tokens: number;
}

/**
 * Labels for pre-split words: the first sub-token of each word gets the word's label; later sub-tokens and
 * special tokens (word id null) get -100 (the research `tokenize_and_align_labels`).
 */
export function alignWordLabels(
  wordIds: readonly (number | null)[],
  wordLabels: readonly number[],
): number[] {
  let previous: number | null = null;
  return wordIds.map((wordId) => {
    const label = wordId === null || wordId === previous ? IGNORED_LABEL_ID : wordLabels[wordId]!;
    previous = wordId;
    return label;
  });
}

/** A padded batch as plain arrays (row-major), what every engine starts from. */
export interface HostBatch {
  kind: ProblemType;
  /** [examples, longest length]. */
  shape: [number, number];
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds?: Int32Array;
  /** Class ids `[B]`, multi-hot rows `[B, C]` (float) or token labels `[B, L]` (-100 on padding). */
  labels: Int32Array | Float32Array;
  labelShape: number[];
  /** Each example's length in tokens. */
  lengths: number[];
  /** Real (non-padding) tokens in the batch. */
  tokens: number;
}

/**
 * Dynamic padding to the longest example, right side, like `DataCollatorWithPadding` (labels stacked) and
 * `DataCollatorForTokenClassification` (token labels padded with -100).
 */
export function collateArrays(
  examples: readonly EncodedExample[],
  padTokenId: number,
  kind: ProblemType,
): HostBatch {
  const length = Math.max(...examples.map((e) => e.inputIds.length));
  const size = examples.length * length;
  const ids = new Int32Array(size).fill(padTokenId);
  const mask = new Int32Array(size);
  const withTypes = examples.some((e) => e.tokenTypeIds !== undefined);
  const types = new Int32Array(size);
  const tokenLabels = kind === 'token' ? new Int32Array(size).fill(IGNORED_LABEL_ID) : null;
  let tokens = 0;
  examples.forEach((example, b) => {
    const offset = b * length;
    ids.set(example.inputIds, offset);
    mask.fill(1, offset, offset + example.inputIds.length);
    if (example.tokenTypeIds) types.set(example.tokenTypeIds, offset);
    if (tokenLabels) tokenLabels.set(example.label as number[], offset);
    tokens += example.inputIds.length;
  });
  const shape: [number, number] = [examples.length, length];
  return {
    kind,
    shape,
    inputIds: ids,
    attentionMask: mask,
    ...(withTypes ? { tokenTypeIds: types } : {}),
    ...collateLabels(examples, kind, tokenLabels, shape),
    lengths: examples.map((e) => e.inputIds.length),
    tokens,
  };
}

function collateLabels(
  examples: readonly EncodedExample[],
  kind: ProblemType,
  tokenLabels: Int32Array | null,
  shape: [number, number],
): Pick<HostBatch, 'labels' | 'labelShape'> {
  switch (kind) {
    case 'token':
      return { labels: tokenLabels!, labelShape: shape };
    case 'single_label':
      return { labels: Int32Array.from(examples, (e) => e.label as number), labelShape: [examples.length] };
    case 'multi_label': {
      const width = (examples[0]!.label as number[]).length;
      return {
        labels: Float32Array.from(examples.flatMap((e) => e.label as number[])),
        labelShape: [examples.length, width],
      };
    }
  }
}

/** The batch as tfjs tensors (a valid `ModelInputs`; dispose with `disposeBatch`). */
export function batchTensors(host: HostBatch): Batch {
  return {
    inputIds: tf.tensor2d(host.inputIds, host.shape, 'int32'),
    attentionMask: tf.tensor2d(host.attentionMask, host.shape, 'int32'),
    ...(host.tokenTypeIds ? { tokenTypeIds: tf.tensor2d(host.tokenTypeIds, host.shape, 'int32') } : {}),
    labels: tf.tensor(
      host.labels,
      host.labelShape,
      host.labels instanceof Float32Array ? 'float32' : 'int32',
    ),
    tokens: host.tokens,
  };
}

/** `collateArrays` as tfjs tensors. */
export function collate(examples: readonly EncodedExample[], padTokenId: number, kind: ProblemType): Batch {
  return batchTensors(collateArrays(examples, padTokenId, kind));
}

export function disposeBatch(batch: Batch): void {
  batch.inputIds.dispose();
  batch.attentionMask.dispose();
  batch.tokenTypeIds?.dispose();
  batch.labels.dispose();
}

/** Consecutive slices of `order` of at most `size` (the last may be shorter, as `drop_last=False`). */
export function batchIndices(order: readonly number[], size: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += size) batches.push(order.slice(start, start + size));
  return batches;
}

/** A slice of a batch run through the model on its own, and its share of the batch's mean loss. */
export interface MicroBatch {
  examples: EncodedExample[];
  share: number;
}

function lossTerms(example: EncodedExample, kind: ProblemType): number {
  return kind === 'token' ? (example.label as number[]).filter((l) => l !== IGNORED_LABEL_ID).length : 1;
}

/**
 * Splits a batch into slices of at most `size` examples whose weighted losses add up to the batch's loss: the
 * losses are means over examples (sequence tasks) or over labelled tokens (token tasks), so each slice weighs by
 * its share of those. Gradients add up the same way, which bounds the memory of a backward pass by the slice.
 */
export function microBatches(
  examples: readonly EncodedExample[],
  size: number,
  kind: ProblemType,
): MicroBatch[] {
  const total = examples.reduce((sum, e) => sum + lossTerms(e, kind), 0);
  const slices: MicroBatch[] = [];
  for (let start = 0; start < examples.length; start += size) {
    const slice = examples.slice(start, start + size);
    const terms = slice.reduce((sum, e) => sum + lossTerms(e, kind), 0);
    // A token slice without a labelled token has no loss term (its mean would be NaN): leave it out.
    if (terms > 0) slices.push({ examples: slice, share: terms / total });
  }
  return slices;
}
