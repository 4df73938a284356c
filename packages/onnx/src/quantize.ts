/** Symmetric int8 range; -128 is left out so that +-max map to +-127 and zero stays exactly 0. */
const INT8_MAX = 127;

export interface QuantizedMatrix {
  /** `[in, out]` int8 values. */
  values: Int8Array;
  /** One scale per output column: `w ≈ values * scale`. */
  scales: Float32Array;
}

/**
 * Per-output-channel symmetric int8 quantization of an `[in, out]` weight (what onnxruntime's
 * `quantize_dynamic(per_channel=True, weight_type=QInt8)` computes): scale_j = max_i |w_ij| / 127.
 */
export function quantizePerChannel(weight: Float32Array, inDim: number, outDim: number): QuantizedMatrix {
  const maxAbs = new Float32Array(outDim);
  for (let i = 0; i < inDim; i++) {
    const row = i * outDim;
    for (let j = 0; j < outDim; j++) {
      const a = Math.abs(weight[row + j] as number);
      if (a > (maxAbs[j] as number)) maxAbs[j] = a;
    }
  }
  const scales = maxAbs.map((m) => (m === 0 ? 1 : m / INT8_MAX));
  const values = new Int8Array(weight.length);
  for (let i = 0; i < inDim; i++) {
    const row = i * outDim;
    for (let j = 0; j < outDim; j++) {
      const q = Math.round((weight[row + j] as number) / (scales[j] as number));
      values[row + j] = Math.max(-INT8_MAX, Math.min(INT8_MAX, q));
    }
  }
  return { values, scales };
}
