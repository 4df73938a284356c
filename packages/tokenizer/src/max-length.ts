/**
 * transformers' `VERY_LARGE_INTEGER` (int(1e30)): the `model_max_length` of a tokenizer whose
 * tokenizer_config.json does not give one (Bio_ClinicalBERT).
 */
export const VERY_LARGE_INTEGER = 1e30;

/** The research code's rule (lindvalllab/BioClinical-ModernBERT): at or above this, use the fallback. */
export const RESEARCH_MAX_LENGTH_THRESHOLD = 10_000;

/** The research code's fallback max_length for tokenizers without a real limit. */
export const RESEARCH_FALLBACK_MAX_LENGTH = 512;

/** `max_length = model_max_length if model_max_length < 10000 else 512`, as the research code truncates. */
export function researchMaxLength(modelMaxLength: number): number {
  return modelMaxLength < RESEARCH_MAX_LENGTH_THRESHOLD ? modelMaxLength : RESEARCH_FALLBACK_MAX_LENGTH;
}
