import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, UnknownLabelError } from '../errors.js';
import { threeWaySplit } from '../split/index.js';
import {
  asTypedExample,
  type ExpectedSample,
  rawDirOf,
  readSample,
  withScratchDir,
} from '../test-fixtures.js';
import { COS_LABELS, COS_SPLIT, cos, readCosAnnFile } from './cos.js';
import {
  readSocialHistoryPair,
  SOCIAL_HISTORY_LABELS,
  SOCIAL_HISTORY_SPLIT,
  socialHistory,
} from './social-history.js';

interface TokenSample extends ExpectedSample {
  files_read_in_order: string[];
  examples_before_split: { tokens: string[]; ner_tags: string[] }[];
  label_names: string[];
}

describe.each([
  { sample: 'COS', adapter: cos, labels: COS_LABELS, recipe: COS_SPLIT },
  {
    sample: 'SocialHistory',
    adapter: socialHistory,
    labels: SOCIAL_HISTORY_LABELS,
    recipe: SOCIAL_HISTORY_SPLIT,
  },
])('$sample adapter', ({ sample, adapter, labels, recipe }) => {
  const expected = readSample<TokenSample>(sample);

  it('produces the research loader expected.json: examples, tags, label order, split membership and order', async () => {
    const splits = await adapter.load(rawDirOf(sample));
    expect(splits.labelNames).toEqual(expected.label_names);
    expect([...labels]).toEqual(expected.label_names);
    for (const name of ['train', 'validation', 'test'] as const) {
      expect(splits[name]).toEqual(expected.splits[name].map(asTypedExample));
    }
  });

  it('splits the examples with the recorded HF train_test_split(seed=42) indices', () => {
    const indices = threeWaySplit(expected.examples_before_split.length, recipe);
    expect(indices).toEqual({
      train: expected.split?.train_indices,
      validation: expected.split?.validation_indices,
      test: expected.split?.test_indices,
    });
  });
});

describe('COS .ann reader', () => {
  it('builds one example per Snippet, files in sorted order, as examples_before_split', async () => {
    const expected = readSample<TokenSample>('COS');
    const examples = [];
    for (const file of expected.files_read_in_order) {
      for (const snippet of await readCosAnnFile(join(rawDirOf('COS'), file))) {
        examples.push({ tokens: snippet.tokens, ner_tags: snippet.tags });
      }
    }
    expect(examples).toEqual(
      expected.examples_before_split.map((e) => ({ tokens: e.tokens, ner_tags: e.ner_tags })),
    );
  });

  it('names file:line for a text-bound line without a tab', async () => {
    await withScratchDir(undefined, async (dir) => {
      const file = join(dir, 'bad.ann');
      writeFileSync(file, 'T1\tSnippet 0 4\tPain\nT2 Ref 0 4 Pain\n');
      const error = await readCosAnnFile(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as DatasetFormatError).message).toContain(`${file}:2`);
    });
  });

  it('counts offsets in code points, as Python does, past an astral character', async () => {
    await withScratchDir(undefined, async (dir) => {
      const file = join(dir, 'astral.ann');
      writeFileSync(file, 'T1\tSnippet 10 25\t😀 pain rose\nT2\tRef 12 16\tpain\nT3\tCos 17 21\trose\n');
      const [snippet] = await readCosAnnFile(file);
      expect(snippet).toMatchObject({ tokens: ['😀', 'pain', 'rose'], tags: ['O', 'B-Ref', 'B-Cos'] });
    });
  });
});

interface SocialHistoryUnitCase {
  name: string;
  txt_bytes_utf8: string;
  ann: string;
  process_pair: { tokens: string[]; ner_tags: string[] };
  cast?: number[];
  cast_error?: { type: string; message: string };
}

describe('SocialHistory unit cases (research process_pair)', () => {
  const cases = readSample<{ process_pair: SocialHistoryUnitCase[] }>(
    'SocialHistory',
    'unit_cases.json',
  ).process_pair;

  it.each(cases)('$name: tokens and BIO tags as recorded', async (unit) => {
    await withScratchDir(undefined, async (dir) => {
      writeFileSync(join(dir, 'note.txt'), unit.txt_bytes_utf8);
      writeFileSync(join(dir, 'note.ann'), unit.ann);
      const pair = await readSocialHistoryPair(join(dir, 'note.txt'), join(dir, 'note.ann'), []);
      expect(pair).toEqual({ tokens: unit.process_pair.tokens, tags: unit.process_pair.ner_tags });
    });
  });

  it.each(cases.filter((c) => c.cast !== undefined))('$name: cast to the recorded ids', async (unit) => {
    await withScratchDir(undefined, async (dir) => {
      // Two identical notes: HF train_test_split needs at least 2 rows for test_size 0.3.
      for (const name of ['a', 'b', 'c', 'd']) {
        writeFileSync(join(dir, `${name}.txt`), unit.txt_bytes_utf8);
        writeFileSync(join(dir, `${name}.ann`), unit.ann);
      }
      const splits = await socialHistory.load(dir);
      expect(splits.train[0]?.nerTags).toEqual(unit.cast);
    });
  });

  it('rejects a tag outside id2label with an UnknownLabelError naming the file (research: ValueError in the cast)', async () => {
    const unit = cases.find((c) => c.cast_error !== undefined)!;
    await withScratchDir(undefined, async (dir) => {
      writeFileSync(join(dir, 'shelter.txt'), unit.txt_bytes_utf8);
      writeFileSync(join(dir, 'shelter.ann'), unit.ann);
      const error = await socialHistory.load(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownLabelError);
      expect((error as UnknownLabelError).label).toBe('B-LivingSituation');
      expect((error as UnknownLabelError).message).toContain(join(dir, 'shelter.ann'));
    });
  });

  it('reports a .txt without .ann and a discontinuous span as warnings instead of dropping them silently', async () => {
    const splits = await socialHistory.load(rawDirOf('SocialHistory'));
    expect(splits.warnings.map((w) => w.code).sort()).toEqual([
      'skipped_discontinuous_span',
      'skipped_txt_without_ann',
    ]);
    expect(splits.warnings.find((w) => w.code === 'skipped_txt_without_ann')?.file).toMatch(/mts_0010\.txt$/);
  });

  it('rejects a brat span that ends past the .txt with file:line', async () => {
    await withScratchDir(undefined, async (dir) => {
      writeFileSync(join(dir, 'short.txt'), 'Drinks wine.');
      writeFileSync(join(dir, 'short.ann'), 'T1\tAlcohol 7 11\twine\nT2\tAlcohol 7 40\twine\n');
      const error = await readSocialHistoryPair(join(dir, 'short.txt'), join(dir, 'short.ann'), []).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as Error).message).toContain('7-40 lies outside its .txt file (12 characters)');
      expect((error as Error).message).toContain(`${join(dir, 'short.ann')}:2`);
    });
  });
});
