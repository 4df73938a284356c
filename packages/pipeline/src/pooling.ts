/**
 * Sentence embeddings from token hidden states: mean or [CLS] pooling, L2 normalisation, and the weighted mean that
 * joins the windows of a long text. No Node built-ins: browser bundles reuse it.
 */

/** `mean`: average of every token's hidden state (special tokens included, as sentence-transformers' mean pooling over the attention mask); `cls`: the first token's. */
export type Pooling = 'mean' | 'cls';

/** One sequence's pooled vector from its hidden states `[tokens × hiddenSize]`, row-major. */
export function poolHidden(hidden: Float32Array, hiddenSize: number, pooling: Pooling): Float32Array {
  const tokens = hidden.length / hiddenSize;
  if (pooling === 'cls' || tokens <= 1) return hidden.slice(0, hiddenSize);
  const sum = new Float64Array(hiddenSize);
  for (let t = 0; t < tokens; t++) {
    const row = t * hiddenSize;
    for (let h = 0; h < hiddenSize; h++) sum[h] = (sum[h] as number) + (hidden[row + h] as number);
  }
  return Float32Array.from(sum, (v) => v / tokens);
}

/** Σ wᵢ·vᵢ / Σ wᵢ: how the windows of a long text are joined (weights = each window's token count). */
export function weightedMean(vectors: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const first = vectors[0];
  if (first === undefined) return new Float32Array(0);
  if (vectors.length === 1) return first;
  const sum = new Float64Array(first.length);
  let total = 0;
  vectors.forEach((vector, i) => {
    const w = weights[i] as number;
    total += w;
    for (let h = 0; h < sum.length; h++) sum[h] = (sum[h] as number) + w * (vector[h] as number);
  });
  return Float32Array.from(sum, (v) => v / total);
}

/** `v / max(‖v‖₂, 1e-12)` (torch.nn.functional.normalize, as sentence-transformers' Normalize does). */
export function l2Normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const v of vector) norm += v * v;
  const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
  return Float32Array.from(vector, (v) => v * scale);
}
