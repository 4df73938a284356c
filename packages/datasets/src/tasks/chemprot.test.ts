import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, UnknownLabelError } from '../errors.js';
import {
  asTypedExample,
  type ExpectedSample,
  rawDirOf,
  readSample,
  withScratchDir,
} from '../test-fixtures.js';
import { CHEMPROT_LABELS, chemProt } from './chemprot.js';

interface ChemProtSample extends ExpectedSample {
  class_names: string[];
  label_names_per_split: Record<'train' | 'validation' | 'test', string[]>;
  label_ids_consistent_across_splits: boolean;
  splits: Record<
    'train' | 'validation' | 'test',
    { text: string; labels: number; index: string; label_str: string }[]
  >;
}

describe('ChemProt adapter', () => {
  it('produces the research loader expected.json for the official-style splits', async () => {
    const expected = readSample<ChemProtSample>('ChemProt');
    expect(expected.label_ids_consistent_across_splits).toBe(true);
    const splits = await chemProt.load(rawDirOf('ChemProt'));
    expect(splits.labelNames).toEqual(expected.class_names);
    expect([...CHEMPROT_LABELS]).toEqual(expected.class_names);
    for (const name of ['train', 'validation', 'test'] as const) {
      expect(splits[name]).toEqual(expected.splits[name].map(asTypedExample));
    }
  });

  it('keeps a quote inside an unquoted field literally, as pandas does', async () => {
    const splits = await chemProt.load(rawDirOf('ChemProt'));
    expect(splits.train.some((e) => e.text.includes('the so-called "orphan" receptor'))).toBe(true);
  });

  it('encodes every split with the training label order (divergence: research encodes per split)', async () => {
    const expected = readSample<ChemProtSample>('ChemProt_quirk_per_split_labels');
    expect(expected.label_ids_consistent_across_splits).toBe(false);
    const splits = await chemProt.load(rawDirOf('ChemProt_quirk_per_split_labels'));
    expect(splits.labelNames).toEqual(expected.label_names_per_split.train);
    expect(splits.train).toEqual(expected.splits.train.map(asTypedExample));
    for (const name of ['validation', 'test'] as const) {
      // The research ids shift per split; ours are the train ids of the same label string ('False' was pandas'
      // bool reading of an all-'false' column, which is the raw 'false').
      const sane = expected.splits[name].map((e) => ({
        text: e.text,
        labels: expected.class_names.indexOf(e.label_str === 'False' ? 'false' : e.label_str),
        id: e.index,
      }));
      expect(splits[name]).toEqual(sane);
    }
    expect(splits.test.map((e) => splits.labelNames[e.labels])).toEqual(['false', 'false', 'false']);
  });

  it('rejects a label that train.tsv never uses with an UnknownLabelError at file:line', async () => {
    await withScratchDir('ChemProt', async (dir) => {
      const dev = join(dir, 'dev.tsv');
      writeFileSync(
        dev,
        'index\tsentence\tlabel\n1.T1.T2\t@CHEMICAL$ binds @GENE$.\tCPR:4\n2.T1.T2\tx\tCPR:10\n',
      );
      const error = await chemProt.load(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownLabelError);
      expect((error as Error).message).toContain(`Unknown label "CPR:10" in row 2.T1.T2 (${dev}:3)`);
    });
  });

  it('rejects a row with the wrong number of columns, naming file:line', async () => {
    await withScratchDir('ChemProt', async (dir) => {
      const test = join(dir, 'test.tsv');
      writeFileSync(test, 'index\tsentence\tlabel\n1.T1.T2\tfine\tfalse\n2.T1.T2\tbroken\tsentence\tfalse\n');
      await expect(chemProt.load(dir)).rejects.toThrow(
        new DatasetFormatError('Row has 4 fields but the header has 3', {
          file: test,
          line: 3,
          hint: 'A field probably contains an unescaped delimiter or the file is truncated; fix or re-download it',
        }),
      );
    });
  });

  it('rejects a sentence pandas would read as NaN', async () => {
    await withScratchDir('ChemProt', async (dir) => {
      const train = join(dir, 'train.tsv');
      writeFileSync(train, 'index\tsentence\tlabel\n1.T1.T2\tNA\tfalse\n');
      await expect(chemProt.load(dir)).rejects.toThrow(`Row has an empty sentence (${train}:2)`);
    });
  });
});
