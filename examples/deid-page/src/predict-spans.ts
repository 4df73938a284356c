import type { Pipeline, TokenClassificationOutput } from '@bcmb/pipeline/browser';

/** A PHI span as the page shows it: label, UTF-16 offsets into the note, and the text they cover. */
export interface PhiSpan {
  label: string;
  start: number;
  end: number;
  text: string;
}

/** How the page groups tokens into spans (Hugging Face's `first` strategy: a word takes its first token's label). */
export const AGGREGATION = 'first' as const;

/** The pipeline's entity groups of `text` as page spans. */
export function spansOf(groups: readonly TokenClassificationOutput[], text: string): PhiSpan[] {
  return groups.map((group) => {
    const label = 'entity_group' in group ? group.entity_group : group.entity;
    return { label, start: group.start, end: group.end, text: text.slice(group.start, group.end) };
  });
}

/** The PHI spans of a note: the one call the page makes to the model. */
export async function predictSpans(ner: Pipeline<'token-classification'>, text: string): Promise<PhiSpan[]> {
  return spansOf(await ner(text, { aggregationStrategy: AGGREGATION }), text);
}
