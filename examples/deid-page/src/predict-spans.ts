import type { EntitySpan, WebPredictor } from '@bcmb/pipeline/browser';

/**
 * The PHI spans of a note: the one call the page makes to the model, so that how spans are grouped (today the
 * seqeval chunking of word labels in `@bcmb/pipeline`'s token decoding) changes here and nowhere else.
 */
export async function predictSpans(predictor: WebPredictor, text: string): Promise<EntitySpan[]> {
  const [prediction] = await predictor.predict([text]);
  if (prediction === undefined || !('entities' in prediction)) {
    throw new Error('the model is not a token classifier; pick a model fine-tuned for DEID');
  }
  return prediction.entities;
}
