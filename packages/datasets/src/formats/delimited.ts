import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createProgress } from '@bcmb/core';
import { CsvError, type InfoRecord, parse } from 'csv-parse';
import { DatasetFormatError } from '../errors.js';

/** pandas' default `na_values`: a field equal to one of these is read as NaN. */
const PANDAS_NA_VALUES = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

/** A data row; `null` marks a field pandas reads as NaN. `line` is where the row starts (1-based). */
export interface DelimitedRow {
  fields: (string | null)[];
  line: number;
}

export interface DelimitedTable {
  header: string[];
  rows: DelimitedRow[];
}

const QUOTE = '"';

function columnCountError(file: string, line: number, expected: number, saw: number): DatasetFormatError {
  return new DatasetFormatError(`Row has ${saw} fields but the header has ${expected}`, {
    file,
    line,
    hint: 'A field probably contains an unescaped delimiter or the file is truncated; fix or re-download it',
  });
}

/**
 * Splits delimited text the way pandas' C tokenizer does with its defaults (`read_csv(path, sep=...)`):
 * a quote opens a quoted field only at the start of a field (elsewhere it is a plain character), `""` inside
 * quotes is one quote, text after a closing quote is appended, `\n`, `\r\n` and `\r` end rows outside quotes,
 * blank lines are skipped. Unlike pandas, a row whose field count differs from the header's is an error
 * (pandas pads short rows with NaN).
 */
export function parsePandasDelimited(text: string, file: string, delimiter: string): DelimitedTable {
  const source = text.startsWith('\ufeff') ? text.slice(1) : text;
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let state: 'record' | 'field' | 'unquoted' | 'quoted' | 'quote-in-quoted' = 'record';
  let line = 1;
  let recordLine = 1;
  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    records.push({ fields, line: recordLine });
    fields = [];
    state = 'record';
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const newline = c === '\n' || c === '\r';
    if (newline && state !== 'quoted') {
      if (c === '\r' && source[i + 1] === '\n') i += 1;
      if (state !== 'record') endRecord();
      line += 1;
      continue;
    }
    if (c === '\n' || (c === '\r' && source[i + 1] !== '\n')) line += 1;
    if (state === 'record') {
      if (c === ' ' && isBlankRest(source, i)) continue;
      state = 'field';
      recordLine = line;
    }
    switch (state) {
      case 'field':
        if (c === QUOTE) state = 'quoted';
        else if (c === delimiter) endField();
        else {
          field += c;
          state = 'unquoted';
        }
        break;
      case 'unquoted':
        if (c === delimiter) {
          endField();
          state = 'field';
        } else field += c;
        break;
      case 'quoted':
        if (c === QUOTE) state = 'quote-in-quoted';
        else field += c;
        break;
      case 'quote-in-quoted':
        if (c === QUOTE) {
          field += QUOTE;
          state = 'quoted';
        } else if (c === delimiter) {
          endField();
          state = 'field';
        } else {
          field += c;
          state = 'unquoted';
        }
        break;
    }
  }
  if (state === 'quoted') {
    throw new DatasetFormatError('End of file inside a quoted field', {
      file,
      line: recordLine,
      hint: 'A field opens with `"` but is never closed',
    });
  }
  if (state !== 'record') endRecord();
  const [head, ...data] = records;
  if (head === undefined) throw new DatasetFormatError('File is empty (no header row)', { file });
  const rows = data.map(({ fields: raw, line: at }) => {
    if (raw.length !== head.fields.length) throw columnCountError(file, at, head.fields.length, raw.length);
    return { fields: raw.map((f) => (PANDAS_NA_VALUES.has(f) ? null : f)), line: at };
  });
  return { header: head.fields, rows };
}

/** pandas skips a line holding only spaces. */
function isBlankRest(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') return true;
    if (c !== ' ') return false;
  }
  return true;
}

/** Reads a whole delimited file (strict UTF-8) with `parsePandasDelimited`. */
export async function readPandasDelimited(path: string, delimiter: string): Promise<DelimitedTable> {
  const bytes = await readFile(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new DatasetFormatError('File is not valid UTF-8', { file: path, cause });
  }
  return parsePandasDelimited(text, path, delimiter);
}

/** Position of the columns a reader needs, or a `DatasetFormatError` naming the missing ones. */
export function columnIndices<const C extends string>(
  header: readonly string[],
  columns: readonly C[],
  file: string,
): Record<C, number> {
  const missing = columns.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new DatasetFormatError(`Missing column(s) ${missing.join(', ')}`, {
      file,
      line: 1,
      hint: `The header has: ${header.join(', ')}`,
    });
  }
  return Object.fromEntries(columns.map((c) => [c, header.indexOf(c)])) as Record<C, number>;
}

export interface CsvStreamOptions {
  /** Called for each data row with its fields and the 1-based line it starts on. */
  onRow(fields: string[], line: number): void;
  /** Called once with the header before any row. */
  onHeader?(header: string[]): void;
  /** Progress bar label; the bar shows bytes read (TTY only unless `progress` forces it). */
  progressLabel?: string;
  progress?: boolean;
}

/**
 * Streams a comma-separated file with RFC 4180 quoting (quoted fields may span lines) in bounded memory:
 * rows are handed to `onRow` and not kept. A row whose field count differs from the header's is a
 * `DatasetFormatError` naming file:line.
 */
export async function streamCsv(path: string, options: CsvStreamOptions): Promise<void> {
  const total = (await stat(path)).size;
  const progress = createProgress({
    label: options.progressLabel ?? path,
    total,
    unit: 'bytes',
    ...(options.progress === undefined ? {} : { enabled: options.progress }),
  });
  let header: string[] | undefined;
  let previousEnd = 0;
  let previousEmpty = 0;
  let failure: unknown;
  const onRecord = (record: string[], context: InfoRecord): null => {
    const line = previousEnd + 1 + (context.empty_lines - previousEmpty);
    previousEnd = context.lines;
    previousEmpty = context.empty_lines;
    if (failure !== undefined) return null;
    try {
      if (header === undefined) {
        header = record;
        options.onHeader?.(record);
      } else if (record.length !== header.length) {
        throw columnCountError(path, line, header.length, record.length);
      } else {
        options.onRow(record, line);
      }
    } catch (error) {
      failure = error;
    }
    return null;
  };
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  let read = 0;
  input.on('data', (chunk) => {
    read += chunk.length;
    progress.update(read);
  });
  const parser = parse({
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    on_record: onRecord,
  });
  const sink = new Writable({
    objectMode: true,
    write: (_record, _encoding, done) => done(),
  });
  try {
    await pipeline(input, parser, sink);
  } catch (error) {
    if (error instanceof CsvError) {
      const lines = (error as CsvError & { lines?: number }).lines;
      throw new DatasetFormatError(`Malformed CSV: ${error.message}`, {
        file: path,
        ...(lines === undefined ? {} : { line: lines }),
        cause: error,
      });
    }
    throw error;
  } finally {
    progress.stop();
  }
  if (failure !== undefined) throw failure;
  if (header === undefined) throw new DatasetFormatError('File is empty (no header row)', { file: path });
}

/** True when pandas' `read_csv` (default `na_values`) reads this field as NaN. */
export function isPandasNa(field: string): boolean {
  return PANDAS_NA_VALUES.has(field);
}

export interface CsvRecordsOptions {
  /** Called with the bytes read so far (for progress bars). */
  onBytes?: (bytesRead: number) => void;
}

/**
 * The rows of a comma-separated file as an async iterator, with the same RFC 4180 parsing as `streamCsv`
 * but with back-pressure: the file is read only as fast as the consumer awaits rows, so a 4 GB file needs
 * memory for one chunk, not the file. The first record is the header.
 */
export async function* csvRecords(
  path: string,
  options: CsvRecordsOptions = {},
): AsyncGenerator<{ fields: string[]; line: number }> {
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  let read = 0;
  input.on('data', (chunk) => {
    read += chunk.length;
    options.onBytes?.(read);
  });
  const parser = input.pipe(
    parse({ bom: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: true, info: true }),
  );
  let width: number | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: InfoRecord }>) {
      const line = info.lines - (record.join(',').split('\n').length - 1);
      if (width === undefined) width = record.length;
      else if (record.length !== width) throw columnCountError(path, line, width, record.length);
      yield { fields: record, line };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      throw new DatasetFormatError(`Malformed CSV: ${error.message}`, { file: path, cause: error });
    }
    throw error;
  } finally {
    input.destroy();
  }
}
