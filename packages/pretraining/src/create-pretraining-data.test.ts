import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTrainingInstances } from './create-pretraining-data.js';
import { PythonRandom } from './python-random.js';

// Expectations from google-research/bert create_pretraining_data.py's own functions (run by
// scripts/create_pretraining_data_reference.py with tensorflow stubbed) on 12 pre-tokenized documents.
const reference = JSON.parse(
  readFileSync(
    new URL('../fixtures/clinicalbert/create_pretraining_data_reference.json', import.meta.url),
    'utf8',
  ),
) as {
  documents: string[][][];
  vocab_words: string[];
  cases: {
    seed: number;
    max_seq_length: number;
    dupe_factor: number;
    short_seq_prob: number;
    masked_lm_prob: number;
    max_predictions_per_seq: number;
    first_random: number;
    instances: {
      tokens: string[];
      segment_ids: number[];
      is_random_next: boolean;
      masked_lm_positions: number[];
      masked_lm_labels: string[];
    }[];
  }[];
};

describe('createTrainingInstances (Google BERT create_pretraining_data semantics)', () => {
  it('draws like Python random.Random(seed)', () => {
    for (const c of reference.cases) expect(new PythonRandom(c.seed).random()).toBe(c.first_random);
  });

  it.each(reference.cases.map((c) => [c.seed, c.max_seq_length, c.dupe_factor, c] as const))(
    'reproduces every instance of the real script (seed %s, max_seq_length %s, dupe_factor %s): pairs, NSP labels, masks',
    (_, __, ___, c) => {
      const ours = createTrainingInstances(reference.documents, {
        randomSeed: c.seed,
        maxSeqLength: c.max_seq_length,
        dupeFactor: c.dupe_factor,
        shortSeqProb: c.short_seq_prob,
        maskedLmProb: c.masked_lm_prob,
        maxPredictionsPerSeq: c.max_predictions_per_seq,
        vocabWords: reference.vocab_words,
      });
      expect(
        ours.map((x) => ({
          tokens: x.tokens,
          segment_ids: x.segmentIds,
          is_random_next: x.isRandomNext,
          masked_lm_positions: x.maskedLmPositions,
          masked_lm_labels: x.maskedLmLabels,
        })),
      ).toEqual(c.instances);
    },
  );
});
