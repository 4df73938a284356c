import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../errors.js';
import { threeWaySplit } from '../split/index.js';
import {
  asTypedExample,
  type ExpectedSample,
  rawDirOf,
  readSample,
  recordedSplit,
  withScratchDir,
} from '../test-fixtures.js';
import {
  joinAnnotationsWithNotes,
  PHENOTYPE_LABELS,
  PHENOTYPE_SPLIT,
  phenotype,
  readPhenotypeAnnotations,
  readWantedNotes,
} from './phenotype.js';

interface PhenotypeSample extends ExpectedSample {
  class_names: string[];
  annotation_rows_removed_by_NONE_filter_0based: number[];
  rows_before_split: { text: string; labels: number[]; ann_row_0based: number; ROW_ID: number }[];
}

const expected = readSample<PhenotypeSample>('Phenotype');
const raw = rawDirOf('Phenotype');

describe('Phenotype adapter', () => {
  it('produces the research loader expected.json: texts, multi-hot labels, split membership and order', async () => {
    const splits = await phenotype.load(raw, { progress: false });
    expect(splits.labelNames).toEqual(expected.class_names);
    expect([...PHENOTYPE_LABELS]).toEqual(expected.class_names);
    for (const name of ['train', 'validation', 'test'] as const) {
      expect(splits[name]).toEqual(expected.splits[name].map(asTypedExample));
    }
  });

  it('drops NONE=1 rows that also flag a phenotype and joins notes in annotation order (duplicates kept)', async () => {
    const annotations = await readPhenotypeAnnotations(join(raw, 'ACTdb102003.csv'));
    const kept = annotations.map((a) => a.line - 2);
    for (const removed of expected.annotation_rows_removed_by_NONE_filter_0based)
      expect(kept).not.toContain(removed);
    const notes = await readWantedNotes(
      join(raw, 'NOTEEVENTS.csv'),
      new Set(annotations.map((a) => a.rowId)),
      {
        progress: false,
      },
    );
    const { rows, unmatched } = joinAnnotationsWithNotes(annotations, notes);
    expect(rows).toEqual(expected.rows_before_split.map((r) => ({ text: r.text, labels: r.labels })));
    expect(unmatched.map((a) => a.rowId)).toEqual([5999]);
  });

  it('reports annotation rows whose ROW_ID has no note instead of dropping them silently', async () => {
    const splits = await phenotype.load(raw, { progress: false });
    expect(splits.warnings).toEqual([
      expect.objectContaining({
        code: 'annotation_without_note',
        line: 8,
        file: join(raw, 'ACTdb102003.csv'),
      }),
    ]);
  });

  it('splits the joined rows exactly like datasets train_test_split(0.2 then 0.125, seed=42)', () => {
    expect(threeWaySplit(expected.rows_before_split.length, PHENOTYPE_SPLIT)).toEqual(
      recordedSplit(expected),
    );
  });

  it('keeps every NOTEEVENTS row of a duplicated ROW_ID, in file order (pandas inner merge)', async () => {
    await withScratchDir(undefined, async (dir) => {
      const file = join(dir, 'NOTEEVENTS.csv');
      writeFileSync(file, 'ROW_ID,TEXT\n1,first\n2,skip\n1,"second\nline"\n');
      const notes = await readWantedNotes(file, new Set([1]), { progress: false });
      expect([...notes]).toEqual([[1, ['first', 'second\nline']]]);
    });
  });

  it('rejects a NOTEEVENTS row with the wrong column count, naming file:line', async () => {
    await withScratchDir('Phenotype', async (dir) => {
      const file = join(dir, 'NOTEEVENTS.csv');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[7] = `${lines[7]},extra`;
      writeFileSync(file, lines.join('\n'));
      await expect(phenotype.load(dir, { progress: false })).rejects.toThrow(
        `Row has 12 fields but the header has 11 (${file}:8)`,
      );
    });
  });

  it('rejects a non-numeric annotation flag, naming file:line', async () => {
    await withScratchDir('Phenotype', async (dir) => {
      const file = join(dir, 'ACTdb102003.csv');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[2] = lines[2]!.replace(/,0$/, ',');
      writeFileSync(file, lines.join('\n'));
      const error = await phenotype.load(dir, { progress: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as Error).message).toContain(`Column UNSURE holds "", not a number (${file}:3)`);
    });
  });
});
