import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../errors.js';
import { withScratchDir } from '../test-fixtures.js';
import { csvRecords, parsePandasDelimited, streamCsv } from './delimited.js';

describe('parsePandasDelimited (pandas C tokenizer defaults)', () => {
  it('opens quotes only at a field start, unescapes "" and joins text after a closing quote', () => {
    const table = parsePandasDelimited('a\tb\n"x\ny"\tsaid "hi"\n"q""q"tail\t\n', 'f.tsv', '\t');
    expect(table.header).toEqual(['a', 'b']);
    expect(table.rows).toEqual([
      { fields: ['x\ny', 'said "hi"'], line: 2 },
      { fields: ['q"qtail', null], line: 4 },
    ]);
  });

  it('skips blank lines, handles \\r\\n, and reads pandas NA strings as null', () => {
    const table = parsePandasDelimited('a\tb\r\n\r\n1\tNULL\r\n   \r\n2\tn/a', 'f.tsv', '\t');
    expect(table.rows).toEqual([
      { fields: ['1', null], line: 3 },
      { fields: ['2', null], line: 5 },
    ]);
  });

  it('names file:line of a quoted field that never closes', () => {
    expect(() => parsePandasDelimited('a\tb\n1\t"open\n2\t3\n', 'f.tsv', '\t')).toThrow(
      /End of file inside a quoted field \(f\.tsv:2\)/,
    );
  });
});

describe('streamCsv', () => {
  it('streams quoted multi-line fields and reports the line each row starts on', async () => {
    await withScratchDir(undefined, async (dir) => {
      const file = join(dir, 'notes.csv');
      writeFileSync(file, 'ROW_ID,TEXT\n1,"two\nlines"\n\n2,"say ""hi"""\n3,plain\n');
      const rows: [string[], number][] = [];
      await streamCsv(file, { progress: false, onRow: (fields, line) => rows.push([fields, line]) });
      expect(rows).toEqual([
        [['1', 'two\nlines'], 2],
        [['2', 'say "hi"'], 5],
        [['3', 'plain'], 6],
      ]);
    });
  });

  it('rejects a row with the wrong column count, naming file:line', async () => {
    await withScratchDir(undefined, async (dir) => {
      const file = join(dir, 'notes.csv');
      writeFileSync(file, 'ROW_ID,TEXT\n1,"a,b"\n2,a,b\n');
      const error = await streamCsv(file, { progress: false, onRow: () => undefined }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as Error).message).toContain(`Row has 3 fields but the header has 2 (${file}:3)`);
    });
  });
});

describe('csvRecords', () => {
  it('yields the header then each row, with quoted multi-line fields, as an async iterator', async () => {
    await withScratchDir(undefined, async (dir) => {
      const path = join(dir, 'notes.csv');
      writeFileSync(path, '\uFEFFnote_id,notes\n1,"line one\nline ""two"""\n2,\n');
      const rows: string[][] = [];
      for await (const { fields } of csvRecords(path)) rows.push(fields);
      expect(rows).toEqual([
        ['note_id', 'notes'],
        ['1', 'line one\nline "two"'],
        ['2', ''],
      ]);
      writeFileSync(path, 'a,b\n1,2,3\n');
      const drain = async () => {
        for await (const _ of csvRecords(path)) {
          // consume every row
        }
      };
      await expect(drain()).rejects.toThrow(DatasetFormatError);
    });
  });
});
