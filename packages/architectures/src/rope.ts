const f32 = Math.fround;

/**
 * RoPE inverse frequencies as transformers computes them in torch, every step rounded to float32:
 * `inv_freq = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))`.
 */
export function ropeInvFreq(theta: number, headDim: number): Float32Array {
  const out = new Float32Array(headDim / 2);
  for (let k = 0; k < out.length; k++) out[k] = f32(1 / f32(theta ** f32((2 * k) / headDim)));
  return out;
}

/**
 * cos and sin of `freqs = position · inv_freq` (a float32 product) for positions 0..P-1, `[P, headDim / 2]`
 * row-major: the half-width tables of the NeoX (rotate_half) layout, where dimension k and k + d/2 share an angle.
 */
export function ropeTables(
  theta: number,
  headDim: number,
  positions: number,
): { cos: Float32Array; sin: Float32Array } {
  const invFreq = ropeInvFreq(theta, headDim);
  const half = headDim / 2;
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
