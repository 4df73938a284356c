/**
 * Masked-LM logits at the mask positions → candidates, as transformers' `FillMaskPipeline` returns them.
 * No Node built-ins: browser bundles reuse it.
 */
import { softmax, topK } from './scores.js';

export interface FillMaskCandidate {
  /** Probability of the token at the mask (softmax over the vocabulary). */
  score: number;
  /** Its id. */
  token: number;
  /** The token decoded on its own. */
  token_str: string;
  /** The input with the mask replaced by the token, decoded (special tokens skipped when there is one mask). */
  sequence: string;
}

/** One list of candidates per mask; a text with a single mask gets the list itself (transformers' shape). */
export type FillMaskOutput = FillMaskCandidate[] | FillMaskCandidate[][];

export interface FillMaskOptions {
  /** Candidates per mask; default 5, as transformers. */
  topK?: number;
}

/** What fill-mask needs from the tokenizer. */
export interface FillMaskVocabulary {
  readonly padTokenId: number | undefined;
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
}

/**
 * Candidates for each mask of a text: `ids` the text's whole input, `masks` the mask positions in it, `rows(i)` the
 * vocabulary logits at mask i. transformers' `postprocess`: softmax, top-k, the mask replaced, padding dropped, the
 * sequence decoded.
 */
export function fillMaskCandidates(
  ids: readonly number[],
  masks: readonly number[],
  rows: (mask: number) => ArrayLike<number>,
  vocabulary: FillMaskVocabulary,
  options: FillMaskOptions = {},
): FillMaskOutput {
  const single = masks.length === 1;
  const k = options.topK ?? 5;
  const perMask = masks.map((position, m) => {
    const probs = softmax(rows(m));
    return topK(probs, k).map((token) => {
      const filled = ids
        .map((id, i) => (i === position ? token : id))
        .filter((id) => id !== vocabulary.padTokenId);
      return {
        score: probs[token] as number,
        token,
        token_str: vocabulary.decode([token]),
        sequence: vocabulary.decode(filled, { skipSpecialTokens: single }),
      };
    });
  });
  return single ? (perMask[0] as FillMaskCandidate[]) : perMask;
}
