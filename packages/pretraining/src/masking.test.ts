import { readFileSync } from 'node:fs';
import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import { describe, expect, it } from 'vitest';
import { hfCollatorMlmMasking, packerMlmMasking } from './masking.js';
import { NumpyGenerator } from './numpy-random.js';

const masking = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/masking/${name}`, import.meta.url), 'utf8'));
const example = masking('packer_masking_example.json') as {
  input: number[][];
  u: number[][];
  masked: number[][];
  labels: number[][];
};
const stats = masking('mlm_masking_stats.json');
const { CLS, SEP, PAD, MASK, vocab } = stats.input.ids as Record<string, number>;

interface Shares {
  labelledOfNonPad: number;
  labelledOfNonSpecial: number;
  mask: number;
  changed: number;
  unchanged: number;
}

/** The fixture's input: 1000 rows of 1024, real lengths uniform in 200..1024, [CLS] … [SEP], [PAD] after. */
function syntheticBatch(rng: NumpyGenerator): Int32Array {
  const ids = new Int32Array(1000 * 1024).fill(PAD as number);
  const lengths = rng.integers(200, 1025, 1000);
  const tokens = rng.integers(0, 50280, ids.length);
  for (let r = 0; r < 1000; r++) {
    const len = lengths[r] as number;
    for (let j = 0; j < len; j++) ids[r * 1024 + j] = tokens[r * 1024 + j] as number;
    ids[r * 1024] = CLS as number;
    ids[r * 1024 + len - 1] = SEP as number;
  }
  return ids;
}

function shares(original: Int32Array, inputIds: Int32Array, labels: Int32Array): Shares {
  let nonPad = 0;
  let nonSpecial = 0;
  let labelled = 0;
  let labelledNonSpecial = 0;
  let mask = 0;
  let changed = 0;
  let wrongLabels = 0;
  for (let i = 0; i < original.length; i++) {
    const id = original[i] as number;
    const special = id === CLS || id === SEP || id === PAD;
    if (id !== PAD) nonPad++;
    if (!special) nonSpecial++;
    if (labels[i] === IGNORED_LABEL_ID) continue;
    if (labels[i] !== id) wrongLabels++;
    labelled++;
    if (!special) labelledNonSpecial++;
    if (inputIds[i] === MASK) mask++;
    else if (inputIds[i] !== id) changed++;
  }
  expect(wrongLabels).toBe(0);
  return {
    labelledOfNonPad: labelled / nonPad,
    labelledOfNonSpecial: labelledNonSpecial / nonSpecial,
    mask: mask / labelled,
    changed: changed / labelled,
    unchanged: (labelled - mask - changed) / labelled,
  };
}

// Suggested statistical tolerance of the fixture README: ±0.003 absolute on shares at 1e6 tokens.
const TOLERANCE = 0.003;

describe('packerMlmMasking', () => {
  it('reproduces packer_masking_example.json exactly with numpy default_rng(7)', () => {
    const rng = new NumpyGenerator(7);
    const u = rng.random(12);
    expect(Array.from(u)).toEqual(example.u[0]);
    const { inputIds, labels } = packerMlmMasking(
      Int32Array.from(example.input[0] as number[]),
      0.3,
      MASK as number,
      PAD as number,
      new NumpyGenerator(7),
    );
    expect(Array.from(inputIds)).toEqual(example.masked[0]);
    expect(Array.from(labels)).toEqual(example.labels[0]);
  });

  it.each([0.3, 0.15])(
    'matches the real packer shares at p=%s within ±0.003 over 1,024,000 positions',
    (p) => {
      const reference = stats[`sequence_packer_p${p}`];
      const original = syntheticBatch(new NumpyGenerator(1));
      const { inputIds, labels } = packerMlmMasking(
        original,
        p,
        MASK as number,
        PAD as number,
        new NumpyGenerator(2),
      );
      const ours = shares(original, inputIds, labels);
      expect(Math.abs(ours.labelledOfNonPad - reference.labelled_share_of_non_pad)).toBeLessThan(TOLERANCE);
      expect(Math.abs(ours.labelledOfNonSpecial - reference.labelled_share_of_non_special)).toBeLessThan(
        TOLERANCE,
      );
      expect(Math.abs(ours.mask - reference.among_labelled.mask_token)).toBeLessThan(TOLERANCE);
      expect(Math.abs(ours.changed - reference.among_labelled.changed_not_mask)).toBeLessThan(TOLERANCE);
      expect(Math.abs(ours.unchanged - reference.among_labelled.unchanged)).toBeLessThan(TOLERANCE);
      // Special tokens are labelled too, pad positions never; random ids stay below the batch max + 1.
      let specialsLabelled = 0;
      let padChanged = 0;
      let maxId = 0;
      for (let i = 0; i < original.length; i++) {
        if ((original[i] === CLS || original[i] === SEP) && labels[i] !== IGNORED_LABEL_ID)
          specialsLabelled++;
        if (original[i] === PAD && inputIds[i] !== PAD) padChanged++;
        maxId = Math.max(maxId, inputIds[i] as number);
      }
      expect(maxId).toBeLessThanOrEqual(MASK as number);
      expect(specialsLabelled).toBeGreaterThan(0);
      expect(padChanged).toBeGreaterThan(0);
    },
  );
});

describe('hfCollatorMlmMasking', () => {
  it('matches the HF collator shares at p=0.15 and never touches special tokens', () => {
    const reference = stats['hf_collator_p0.15'];
    const original = syntheticBatch(new NumpyGenerator(1));
    const isSpecial = (id: number) => id >= 50280 && id <= 50284;
    const { inputIds, labels } = hfCollatorMlmMasking(
      original,
      0.15,
      MASK as number,
      isSpecial,
      vocab as number,
      new NumpyGenerator(3),
    );
    const ours = shares(original, inputIds, labels);
    expect(Math.abs(ours.labelledOfNonSpecial - reference.labelled_share_of_non_special)).toBeLessThan(
      TOLERANCE,
    );
    expect(Math.abs(ours.mask - reference.among_labelled.mask_token)).toBeLessThan(TOLERANCE);
    expect(Math.abs(ours.changed - reference.among_labelled.changed_not_mask)).toBeLessThan(TOLERANCE);
    let specialsTouched = 0;
    for (let i = 0; i < original.length; i++) {
      if (isSpecial(original[i] as number) && inputIds[i] !== original[i]) specialsTouched++;
    }
    expect(specialsTouched).toBe(0);
  });
});
