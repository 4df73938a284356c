/** Element types of the safetensors format that bcmb reads (https://huggingface.co/docs/safetensors). */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/**
 * One named weight. `data` is float32 whatever the file held (F16/BF16/F64 and integer tensors are converted),
 * row-major, `shape.reduce(*)` long. Tensors read from one PyTorch storage (tied weights) may share memory: treat
 * `data` as read-only.
 */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/** Weights by their `transformers` name, in file order. */
export type StateDict = Map<string, WeightTensor>;

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((count, dim) => count * dim, 1);
}
