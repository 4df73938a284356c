const f32 = Math.fround;

/**
 * cos/sin tables `[positions, headDim / 2]` for ORT's RotaryEmbedding (non-interleaved = the NeoX
 * rotate_half layout). Each step is rounded to float32 as transformers computes it in torch
 * (`inv_freq = 1 / base ** (arange(0, d, 2) / d)`, `freqs = positions · inv_freq`), so long positions
 * carry the same rounding as the reference.
 */
export function ropeTables(
  theta: number,
  headDim: number,
  positions: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const invFreq = Array.from({ length: half }, (_, k) => f32(1 / f32(theta ** f32((2 * k) / headDim))));
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let k = 0; k < half; k++) {
      const angle = f32(p * (invFreq[k] as number));
      cos[p * half + k] = Math.cos(angle);
      sin[p * half + k] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
