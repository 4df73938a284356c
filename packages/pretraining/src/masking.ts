import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import type { NumpyGenerator } from './numpy-random.js';

export interface MaskedBatch {
  inputIds: Int32Array;
  labels: Int32Array;
}

/**
 * ModernBERT `SequencePacker.mlm_masking` (AnswerDotAI/ModernBERT@8c57a0f01c src/sequence_packer.py), the
 * training-time masking of the BioClinical configs: one uniform `u` per position from `rng.random(shape)`;
 * `u < 0.8p` → [MASK], `0.8p ≤ u < 0.9p` → a random id, `0.9p ≤ u < p` → unchanged; labels are the original id
 * there and -100 elsewhere and at padding. [CLS]/[SEP] are NOT excluded, padding is still overwritten, and the
 * random ids come from `rng.integers(0, max(ids after [MASK] replacement) + 1, shape)`, drawn for every position.
 */
export function packerMlmMasking(
  ids: Int32Array,
  maskProbability: number,
  maskTokenId: number,
  padTokenId: number,
  rng: NumpyGenerator,
): MaskedBatch {
  const n = ids.length;
  const labels = new Int32Array(n);
  const inputIds = new Int32Array(n);
  const u = rng.random(n);
  const maskBelow = maskProbability * 0.8;
  const randomBelow = maskProbability * 0.9;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    const ui = u[i] as number;
    labels[i] = ui < maskProbability && id !== padTokenId ? id : IGNORED_LABEL_ID;
    const masked = ui < maskBelow ? maskTokenId : id;
    inputIds[i] = masked;
    if (masked > max) max = masked;
  }
  const randomIds = rng.integers(0, max + 1, n);
  for (let i = 0; i < n; i++) {
    const ui = u[i] as number;
    if (ui >= maskBelow && ui < randomBelow) inputIds[i] = randomIds[i] as number;
  }
  return { inputIds, labels };
}

/**
 * HF `DataCollatorForLanguageModeling.torch_mask_tokens` (transformers v4.48), the eval-time masking
 * (`sequence_packing: false`): Bernoulli(p) per position with special tokens (and padding) excluded, then 80% [MASK],
 * half of the rest a random id in [0, vocabSize), the rest unchanged. Same distribution, drawn from `rng` instead of
 * torch's generator, so not the same draws.
 */
export function hfCollatorMlmMasking(
  ids: Int32Array,
  maskProbability: number,
  maskTokenId: number,
  isSpecial: (id: number) => boolean,
  vocabSize: number,
  rng: NumpyGenerator,
): MaskedBatch {
  const n = ids.length;
  const labels = new Int32Array(n).fill(IGNORED_LABEL_ID);
  const inputIds = Int32Array.from(ids);
  const masked = rng.random(n);
  const replaced = rng.random(n);
  const randomized = rng.random(n);
  const randomIds = rng.integers(0, vocabSize, n);
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (isSpecial(id) || (masked[i] as number) >= maskProbability) continue;
    labels[i] = id;
    if ((replaced[i] as number) < 0.8) inputIds[i] = maskTokenId;
    else if ((randomized[i] as number) < 0.5) inputIds[i] = randomIds[i] as number;
  }
  return { inputIds, labels };
}
