import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import { describe, expect, it } from 'vitest';
import { alignWordLabels, microBatches } from './collate.js';

describe('alignWordLabels', () => {
  it('labels the first sub-token of each word and gives -100 to later sub-tokens and special tokens', () => {
    // [CLS] pat ##ient had fe ##ver [SEP] for words [patient, had, fever] tagged [1, 0, 2]
    expect(alignWordLabels([null, 0, 0, 1, 2, 2, null], [1, 0, 2])).toEqual([
      IGNORED_LABEL_ID,
      1,
      IGNORED_LABEL_ID,
      0,
      2,
      IGNORED_LABEL_ID,
      IGNORED_LABEL_ID,
    ]);
  });
});

describe('microBatches', () => {
  it('weighs sequence slices by their share of the examples', () => {
    const examples = [1, 2, 3, 4, 5].map((label) => ({ inputIds: [1, 2], label }));
    expect(microBatches(examples, 2, 'single_label').map((s) => [s.examples.length, s.share])).toEqual([
      [2, 0.4],
      [2, 0.4],
      [1, 0.2],
    ]);
  });

  it('weighs token slices by their share of labelled tokens and drops slices with none', () => {
    const ex = (labels: number[]) => ({ inputIds: labels.map(() => 1), label: labels });
    const slices = microBatches([ex([-100, 1, 2, -100]), ex([-100, -100]), ex([-100, 0, -100])], 1, 'token');
    expect(slices.map((s) => s.share)).toEqual([2 / 3, 1 / 3]);
  });
});
