import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, UnknownLabelError } from '../errors.js';
import { parseDeidRecords } from '../formats/deid-records.js';
import { threeWaySplit } from '../split/index.js';
import {
  asTypedExample,
  type ExpectedSample,
  rawDirOf,
  readSample,
  recordedSplit,
  withScratchDir,
} from '../test-fixtures.js';
import { DEID_LABELS, DEID_SPLIT, deid, mapDeidMask, processDeidRecord } from './deid.js';

interface DeidSample extends ExpectedSample {
  n_records_text: number;
  n_records_res: number;
  examples_before_split: { tokens: string[]; ner_tags: string[] }[];
  masks_per_record: { record: number; masks: { mask: string; category: string | null }[] }[];
  label_names: string[];
}

interface ProcessRecordCase {
  name: string;
  text_record: string;
  res_record: string;
  token_tag_pairs: [string, string][];
  preprocess_data_error?: { type: string; message: string };
}

interface DeidUnitCases {
  map_mask: { mask: string; category: string | null }[];
  process_record: ProcessRecordCase[];
}

const expected = readSample<DeidSample>('DEID');
const units = readSample<DeidUnitCases>('DEID', 'unit_cases.json');
const ref = { name: 'record 0' };

describe('DEID adapter on the real PhysioNet records', () => {
  it('produces the research loader expected.json: examples, tags, label order, split membership and order', async () => {
    const splits = await deid.load(rawDirOf('DEID'));
    expect(splits.labelNames).toEqual(expected.label_names);
    expect([...DEID_LABELS]).toEqual(expected.label_names);
    for (const name of ['train', 'validation', 'test'] as const) {
      expect(splits[name]).toEqual(expected.splits[name].map(asTypedExample));
    }
    expect(splits.warnings).toEqual([]);
  });

  it('reads as many records from id.text and id.res as the research regex', () => {
    const text = parseDeidRecords(readFileSync(join(rawDirOf('DEID'), 'id.text'), 'utf8'));
    const res = parseDeidRecords(readFileSync(join(rawDirOf('DEID'), 'id.res'), 'utf8'));
    expect([text.length, res.length]).toEqual([expected.n_records_text, expected.n_records_res]);
    expect(text[0]?.line).toBe(1);
  });

  it('builds examples_before_split record by record', () => {
    const text = parseDeidRecords(readFileSync(join(rawDirOf('DEID'), 'id.text'), 'utf8'));
    const res = parseDeidRecords(readFileSync(join(rawDirOf('DEID'), 'id.res'), 'utf8'));
    const examples = text.map((t, i) => {
      const { pairs } = processDeidRecord(t.text, res[i]!.text, { name: `record ${i}` });
      return { tokens: pairs.map(([token]) => token), ner_tags: pairs.map(([, tag]) => tag) };
    });
    expect(examples).toEqual(expected.examples_before_split);
  });

  it('maps every mask of the real records to its recorded category', () => {
    for (const record of expected.masks_per_record) {
      for (const { mask, category } of record.masks) expect(mapDeidMask(mask)).toBe(category);
    }
  });

  it('splits 10 records exactly like sklearn train_test_split(random_state=42) twice', () => {
    expect(threeWaySplit(expected.examples_before_split.length, DEID_SPLIT)).toEqual(recordedSplit(expected));
  });
});

describe('DEID unit cases (research map_mask / process_record)', () => {
  it.each(units.map_mask)('maps $mask to $category', ({ mask, category }) => {
    expect(mapDeidMask(mask)).toBe(category);
  });

  const divergent = new Set(['adjacent_masks_swallow_rest', 'empty_record_breaks_preprocess_data']);
  it.each(units.process_record.filter((c) => !divergent.has(c.name)))(
    '$name: token/tag pairs as recorded',
    (unit) => {
      expect(processDeidRecord(unit.text_record, unit.res_record, ref).pairs).toEqual(unit.token_tag_pairs);
    },
  );

  it('rejects adjacent masks with a DatasetFormatError naming the record (research: swallows the rest of the record)', () => {
    const unit = units.process_record.find((c) => c.name === 'adjacent_masks_swallow_rest')!;
    expect(() =>
      processDeidRecord(unit.text_record, unit.res_record, { name: 'record 7', file: 'id.res', line: 40 }),
    ).toThrow(
      /DEID record 7 has two adjacent masks \(\[\*\*First Name 1\*\*\]\[\*\*Last Name 2\*\*\]\).*\(id\.res:40\)/,
    );
  });

  it('rejects an empty record with a DatasetFormatError naming it (research: ValueError from zip(*[]))', () => {
    const unit = units.process_record.find((c) => c.name === 'empty_record_breaks_preprocess_data')!;
    expect(unit.preprocess_data_error?.type).toBe('ValueError');
    expect(() => processDeidRecord(unit.text_record, unit.res_record, { name: 'record 3' })).toThrow(
      new DatasetFormatError('DEID record 3 has no words', {
        hint: 'The research loader crashes on an empty record (zip(*[])); remove it from both id.text and id.res',
      }),
    );
  });

  it('rejects an unmapped mask (bare B/I tag) with an UnknownLabelError naming the record (research: cast ValueError)', async () => {
    const unit = units.process_record.find((c) => c.name === 'unmapped_mask_gives_bare_B_I')!;
    await withScratchDir(undefined, async (dir) => {
      writeFileSync(join(dir, 'id.text'), `${unit.text_record}\n\n`);
      writeFileSync(join(dir, 'id.res'), `\n${unit.res_record}\n\n`);
      const error = await deid.load(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownLabelError);
      expect((error as UnknownLabelError).label).toBe('B');
      expect((error as UnknownLabelError).message).toContain(`record 0 (${join(dir, 'id.res')}:2)`);
    });
  });

  it('warns, and tags to the end as the research code does, when the text after a mask is not in id.text', async () => {
    const unit = units.process_record.find((c) => c.name === 'next_plain_not_found')!;
    await withScratchDir(undefined, async (dir) => {
      writeFileSync(join(dir, 'id.text'), `${unit.text_record}\n\n`.repeat(4));
      writeFileSync(join(dir, 'id.res'), `${unit.res_record}\n\n`.repeat(4));
      const splits = await deid.load(dir);
      expect(splits.warnings.map((w) => w.code)).toEqual(Array(4).fill('deid_plain_text_not_found'));
      expect(splits.train[0]?.tokens).toEqual(unit.token_tag_pairs.map(([token]) => token));
    });
  });

  it('rejects id.text and id.res with different record counts (research: prints a warning and truncates)', async () => {
    await withScratchDir('DEID', async (dir) => {
      const res = readFileSync(join(dir, 'id.res'), 'utf8');
      writeFileSync(join(dir, 'id.res'), res.slice(0, res.lastIndexOf('START_OF_RECORD')));
      await expect(deid.load(dir)).rejects.toThrow(/id\.text has 10 records but id\.res has 9/);
    });
  });
});
