import { OnnxInputError } from './errors.js';
import { ATTENTION_MASK, INPUT_IDS, TOKEN_TYPE_IDS } from './export.js';

/** One padded batch, row-major `[batchSize, seqLen]`. */
export interface TokenBatch {
  inputIds: ArrayLike<number>;
  attentionMask: ArrayLike<number>;
  /** BERT segment ids; zeros when omitted. */
  tokenTypeIds?: ArrayLike<number>;
  batchSize: number;
  seqLen: number;
}

export interface OutputTensor {
  dims: number[];
  data: Float32Array;
}

function int64(values: ArrayLike<number>, length: number, what: string): BigInt64Array {
  if (values.length !== length) {
    throw new OnnxInputError(`${what} has ${values.length} values, expected batchSize × seqLen = ${length}`);
  }
  const out = new BigInt64Array(length);
  for (let i = 0; i < length; i++) out[i] = BigInt(values[i] as number);
  return out;
}

/**
 * The int64 feeds of a batch for a graph with these inputs, made with the runtime's own tensor class
 * (onnxruntime-node and onnxruntime-web each check `instanceof` against theirs).
 */
export function tokenFeeds<T>(
  makeTensor: (data: BigInt64Array, dims: number[]) => T,
  inputNames: readonly string[],
  batch: TokenBatch,
): Record<string, T> {
  const { batchSize, seqLen } = batch;
  const size = batchSize * seqLen;
  const dims = [batchSize, seqLen];
  const feeds: Record<string, T> = {
    [INPUT_IDS]: makeTensor(int64(batch.inputIds, size, 'inputIds'), dims),
    [ATTENTION_MASK]: makeTensor(int64(batch.attentionMask, size, 'attentionMask'), dims),
  };
  if (inputNames.includes(TOKEN_TYPE_IDS)) {
    feeds[TOKEN_TYPE_IDS] = makeTensor(
      int64(batch.tokenTypeIds ?? new Int32Array(size), size, 'tokenTypeIds'),
      dims,
    );
  }
  return feeds;
}
