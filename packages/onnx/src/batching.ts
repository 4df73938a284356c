import { OnnxInputError } from './errors.js';
import type { OutputTensor, TokenBatch } from './token-feeds.js';

/** What runs one padded batch: `OnnxSession` (onnxruntime-node) or `WebOnnxSession` (onnxruntime-web). */
export interface BatchSession {
  run(batch: TokenBatch): Promise<Record<string, OutputTensor>>;
}

/** One tokenized text: its ids (and BERT segment ids), unpadded. */
export interface Sequence {
  inputIds: readonly number[];
  tokenTypeIds?: readonly number[];
}

export interface BatchingOptions {
  /** Most sequences in one batch. Default 8, the anchor workload's batch size. */
  batchSize?: number;
  /** Most padded tokens (batch rows × longest length) in one batch; a longer sequence runs alone. Default batchSize × 512. */
  maxTokens?: number;
  /** Batch sequences of similar length together so little is spent on padding. Default true; false keeps input order. */
  sortByLength?: boolean;
}

export interface PlannedBatch {
  /** Positions of the batch's sequences in the input. */
  indices: number[];
  /** The longest of them: every row is padded to it. */
  seqLen: number;
}

/** Default sequences per batch (the anchor workload's). */
export const DEFAULT_BATCH_SIZE = 8;
const DEFAULT_TOKENS_PER_ROW = 512;

/**
 * Groups sequences into batches. Sorted by length (longest first), each batch pads only to its own longest
 * member, so a workload of mixed lengths pays almost nothing for padding; `maxTokens` keeps long batches
 * from growing past a memory budget.
 */
export function planBatches(lengths: readonly number[], options: BatchingOptions = {}): PlannedBatch[] {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxTokens = options.maxTokens ?? batchSize * DEFAULT_TOKENS_PER_ROW;
  const order = lengths.map((_, i) => i);
  if (options.sortByLength ?? true)
    order.sort((a, b) => (lengths[b] as number) - (lengths[a] as number) || a - b);
  const batches: PlannedBatch[] = [];
  let current: PlannedBatch | undefined;
  for (const index of order) {
    const length = lengths[index] as number;
    const seqLen = Math.max(current?.seqLen ?? 0, length);
    if (current && current.indices.length < batchSize && seqLen * (current.indices.length + 1) <= maxTokens) {
      current.indices.push(index);
      current.seqLen = seqLen;
    } else {
      current = { indices: [index], seqLen: length };
      batches.push(current);
    }
  }
  return batches;
}

/** Right-pads the batch's sequences to its longest (pad id 0, attention mask 0 on padding). */
export function padBatch(sequences: readonly Sequence[], batch: PlannedBatch): TokenBatch {
  const { seqLen } = batch;
  const size = batch.indices.length * seqLen;
  const inputIds = new Int32Array(size);
  const attentionMask = new Int32Array(size);
  const tokenTypeIds = new Int32Array(size);
  batch.indices.forEach((index, row) => {
    const sequence = sequences[index] as Sequence;
    inputIds.set(sequence.inputIds, row * seqLen);
    attentionMask.fill(1, row * seqLen, row * seqLen + sequence.inputIds.length);
    if (sequence.tokenTypeIds) tokenTypeIds.set(sequence.tokenTypeIds, row * seqLen);
  });
  return { inputIds, attentionMask, tokenTypeIds, batchSize: batch.indices.length, seqLen };
}

/** Row `row` of a batch output, cut to `length` real tokens for per-token outputs (`[B, L, …]`). */
function rowOf(tensor: OutputTensor, row: number, length: number): Float32Array {
  const [batch = 1, ...rest] = tensor.dims;
  const rowSize = tensor.data.length / batch;
  const start = row * rowSize;
  const perToken = rest.length >= 2;
  const end = perToken ? start + length * rest.slice(1).reduce((a, b) => a * b, 1) : start + rowSize;
  return tensor.data.slice(start, end);
}

/**
 * Runs every sequence through the session in length-sorted batches and returns each one's outputs in input
 * order, per-token outputs cut to its real tokens (`last_hidden_state` `[len, H]`, token logits `[len, C]`,
 * sequence logits `[C]`).
 */
export async function runSequences(
  session: BatchSession,
  sequences: readonly Sequence[],
  options: BatchingOptions & { onBatch?: (done: number, total: number) => void } = {},
): Promise<Record<string, Float32Array>[]> {
  sequences.forEach((sequence, i) => {
    if (sequence.inputIds.length === 0) throw new OnnxInputError(`sequence ${i} has no tokens`);
  });
  const batches = planBatches(
    sequences.map((s) => s.inputIds.length),
    options,
  );
  const results: Record<string, Float32Array>[] = new Array(sequences.length);
  let done = 0;
  for (const batch of batches) {
    const outputs = await session.run(padBatch(sequences, batch));
    batch.indices.forEach((index, row) => {
      const length = (sequences[index] as Sequence).inputIds.length;
      results[index] = Object.fromEntries(
        Object.entries(outputs).map(([name, tensor]) => [name, rowOf(tensor, row, length)]),
      );
    });
    done += batch.indices.length;
    options.onBatch?.(done, sequences.length);
  }
  return results;
}
