import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createProgress, writeFileAtomic } from '@bcmb/core';
import { csvRecords, isPandasNa } from '@bcmb/datasets';
import { MdsWriter } from '@bcmb/mds';
import type { Tokenizer } from '@bcmb/tokenizer';
import { PretrainDataError } from './errors.js';

/** What `convert_dataset_to_mds.py` needs from a tokenizer (`AutoTokenizer(..., add_prefix_space=True)`). */
export interface PrepareTokenizer {
  /** `tokenizer(text, add_special_tokens=False).input_ids`. */
  encode(text: string): number[];
  /** `tokenizer.encode(" " + tokenizer.decode(id), add_special_tokens=False)`: the script's first-token quirk. */
  firstTokenWithSpace(id: number): number[];
  /** `tokenizer(bos_text / eos_text, add_special_tokens=False).input_ids`. */
  bos: number[];
  eos: number[];
}

// convert_dataset_to_mds.py defaults: --concat_tokens 8192, column "notes", MDSWriter columns {input_ids: ndarray:uint16}.
export const DEFAULT_CONCAT_TOKENS = 8192;
export const NOTES_COLUMN = 'notes';
export const MDS_COLUMNS = { input_ids: 'ndarray:uint16' } as const;

/**
 * One note's samples, as `ConcatTokensDataset.__iter__`: chunks of `concat_tokens - len(bos) - len(eos)` content
 * tokens (notes are never concatenated; the last partial chunk is kept), each written as
 * `bos + encode(" " + decode(chunk[0])) + chunk[1:] + eos` — so a sample can be longer than `concat_tokens`.
 */
export function chunkNote(
  ids: readonly number[],
  tokenizer: PrepareTokenizer,
  concatTokens: number,
): number[][] {
  const content = concatTokens - tokenizer.bos.length - tokenizer.eos.length;
  if (content <= 0) {
    throw new PretrainDataError(
      `--concat_tokens ${concatTokens} leaves no room between the bos and eos tokens`,
      {
        hint: 'Use a larger --concat-tokens (the research default is 8192)',
      },
    );
  }
  const samples: number[][] = [];
  for (let start = 0; start < ids.length; start += content) {
    const chunk = ids.slice(start, start + content);
    samples.push([
      ...tokenizer.bos,
      ...tokenizer.firstTokenWithSpace(chunk[0] as number),
      ...chunk.slice(1),
      ...tokenizer.eos,
    ]);
  }
  return samples;
}

/** `os.path.join(out_dir, os.path.basename(csv).rsplit("_", 1)[0])`: `clinical_notes.csv` → `<out>/clinical`. */
export function mdsOutputDir(outDir: string, csvPath: string): string {
  const name = basename(csvPath);
  const underscore = name.lastIndexOf('_');
  return join(outDir, underscore === -1 ? name : name.slice(0, underscore));
}

/** `f"{args.dataset} {count:,}\n"`: Python's thousands separator. */
export function tokenCountLine(csvPath: string, tokens: number): string {
  return `${csvPath} ${tokens.toLocaleString('en-US')}\n`;
}

export interface PrepareOptions {
  csv: string;
  outDir: string;
  tokenizer: PrepareTokenizer;
  /** File the token-count line is appended to (`--out_token_counts`). */
  tokenCounts?: string;
  concatTokens?: number;
  compression?: string | null;
  /** Forces the progress bar on/off (default: on when stderr is a TTY). */
  progress?: boolean;
  /** Plain log lines (default: stdout). */
  log?: (line: string) => void;
}

export interface PrepareResult {
  outDir: string;
  rows: number;
  skippedEmpty: number;
  samples: number;
  tokens: number;
  shards: number;
}

/**
 * `convert_dataset_to_mds.py` in TypeScript: streams the CSV's `notes` column (memory for one shard, not the file),
 * tokenizes each non-empty note, chunks it (`chunkNote`) and writes `ndarray:uint16` MDS shards that
 * `streaming.MDSWriter` would write byte for byte, then appends the script's token-count line.
 */
export async function prepareMds(options: PrepareOptions): Promise<PrepareResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const concatTokens = options.concatTokens ?? DEFAULT_CONCAT_TOKENS;
  const out = mdsOutputDir(options.outDir, options.csv);
  if ((await stat(out).catch(() => undefined))?.isDirectory() === true) {
    throw new PretrainDataError(`--out_dir=${options.outDir} is not empty: ${out} exists`, {
      hint: 'Remove it or choose another --out-dir (convert_dataset_to_mds.py refuses too)',
    });
  }
  const total = (
    await stat(options.csv).catch((error: unknown) => {
      throw new PretrainDataError(`Cannot read the CSV ${options.csv}`, {
        cause: error,
        hint: 'Check the --dataset path',
      });
    })
  ).size;
  log(`Processing csv: ${options.csv}`);
  log(`Writing to MDS for file ${options.csv}...`);
  const writer = await MdsWriter.create({
    out,
    columns: { ...MDS_COLUMNS },
    compression: options.compression ?? null,
  });
  const progress = createProgress({
    label: `Writing to ${out}`,
    total,
    unit: 'bytes',
    ...(options.progress === undefined ? {} : { enabled: options.progress }),
  });
  let bytes = 0;
  let column = -1;
  const result: PrepareResult = { outDir: out, rows: 0, skippedEmpty: 0, samples: 0, tokens: 0, shards: 0 };
  try {
    for await (const { fields, line } of csvRecords(options.csv, { onBytes: (n) => (bytes = n) })) {
      if (column === -1) {
        column = fields.indexOf(NOTES_COLUMN);
        if (column === -1) {
          throw new PretrainDataError(`The CSV has no "${NOTES_COLUMN}" column`, {
            file: options.csv,
            line: 1,
            hint: `The header has: ${fields.join(', ')}. Rename the text column to "${NOTES_COLUMN}"`,
          });
        }
        continue;
      }
      result.rows++;
      const note = fields[column] ?? '';
      // `if not sample["notes"]`: datasets reads CSVs with pandas, so empty and NA-like fields are None.
      if (note === '' || isPandasNa(note)) {
        result.skippedEmpty++;
        continue;
      }
      let ids: number[];
      try {
        ids = options.tokenizer.encode(note);
      } catch (error) {
        throw new PretrainDataError('Could not tokenize the note', { file: options.csv, line, cause: error });
      }
      for (const sample of chunkNote(ids, options.tokenizer, concatTokens)) {
        await writer.write({ input_ids: sample });
        result.samples++;
        result.tokens += sample.length;
      }
      progress.update(bytes, {});
    }
    const index = await writer.finish();
    result.shards = index.shards.length;
  } finally {
    progress.stop();
  }
  if (options.tokenCounts !== undefined) {
    // The script appends (`open(..., "a")`); done here as read + atomic rewrite.
    const previous = await readFile(options.tokenCounts, 'utf8').catch(() => '');
    await writeFileAtomic(options.tokenCounts, previous + tokenCountLine(options.csv, result.tokens));
  }
  log(
    `Wrote ${result.samples.toLocaleString('en-US')} samples (${result.tokens.toLocaleString('en-US')} tokens, ${result.shards} shard${result.shards === 1 ? '' : 's'}) from ${result.rows - result.skippedEmpty} notes to ${out}; ${result.skippedEmpty} empty notes skipped`,
  );
  return result;
}

/**
 * A `@bcmb/tokenizer` tokenizer as the script uses it: load it with `addPrefixSpace: true`
 * (`AutoTokenizer.from_pretrained(name, add_prefix_space=True)`); bos/eos default to `[CLS]`/`[SEP]`.
 */
export function prepareTokenizerFrom(
  tokenizer: Tokenizer,
  bosText = '[CLS]',
  eosText = '[SEP]',
): PrepareTokenizer {
  const encode = (text: string) => tokenizer.encode(text, { addSpecialTokens: false }).ids;
  return {
    encode,
    firstTokenWithSpace: (id) => encode(` ${tokenizer.decode([id])}`),
    bos: bosText === '' ? [] : encode(bosText),
    eos: eosText === '' ? [] : encode(eosText),
  };
}
