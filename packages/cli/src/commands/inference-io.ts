/**
 * What `bcmb predict` and `bcmb embed` share: reading texts (JSON Lines or plain text lines, a file or `-` for
 * stdin), writing results (a file written atomically, or `-` for stdout), the model and engine flags, and running
 * texts through a pipeline in chunks with a progress bar.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { BcmbError, createProgress, writeAtomicWith } from '@bcmb/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { addHubOptions, type HubFlags } from '../model-source.js';
import { nonNegativeInteger, positiveInteger } from '../options.js';

/** An input that is not one text per line. */
export class PredictInputError extends BcmbError {}

export type InputFormat = 'auto' | 'jsonl' | 'text';

export interface InputRow {
  /** The line's object (its other fields are copied to the output), or null for a JSON string or a plain line. */
  record: Record<string, unknown> | null;
  text: string;
  /** 1-based line of the input. */
  line: number;
}

const JSONL_EXTENSIONS = new Set(['.jsonl', '.ndjson', '.json']);

/** `auto`: by extension (.jsonl/.ndjson/.json, .txt), else JSON Lines when the first non-blank line parses as a JSON string or object. */
function detectFormat(path: string, firstLine: string | undefined): 'jsonl' | 'text' {
  const extension = path === '-' ? '' : extname(path).toLowerCase();
  if (JSONL_EXTENSIONS.has(extension)) return 'jsonl';
  if (extension === '.txt' || firstLine === undefined) return 'text';
  try {
    const value: unknown = JSON.parse(firstLine);
    return typeof value === 'string' || (typeof value === 'object' && value !== null && !Array.isArray(value))
      ? 'jsonl'
      : 'text';
  } catch {
    return 'text';
  }
}

/**
 * Reads texts, one per line: JSON Lines (each line a JSON string, or an object holding the text under `field`) or
 * plain text (each non-blank line a text). `-` reads stdin. Blank lines are skipped.
 */
export async function readTexts(
  path: string,
  field: string,
  format: InputFormat = 'auto',
): Promise<InputRow[]> {
  const lines: Array<{ raw: string; line: number }> = [];
  const input = createInterface({
    input: path === '-' ? process.stdin : createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  try {
    let line = 0;
    for await (const raw of input) {
      line++;
      if (raw.trim() !== '') lines.push({ raw, line });
    }
  } catch (error) {
    throw new PredictInputError('cannot read the input', { file: path, cause: error });
  }
  const where = path === '-' ? 'stdin' : path;
  const kind = format === 'auto' ? detectFormat(path, lines[0]?.raw) : format;
  if (kind === 'text') return lines.map(({ raw, line }) => ({ record: null, text: raw, line }));
  return lines.map(({ raw, line }) => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new PredictInputError('line is not valid JSON', {
        file: where,
        line,
        cause: error,
        hint: 'Give JSON Lines, or plain text with --format text',
      });
    }
    if (typeof value === 'string') return { record: null, text: value, line };
    const text =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
    if (typeof text !== 'string') {
      throw new PredictInputError(`line has no string field "${field}"`, {
        file: where,
        line,
        hint: 'Give each line as {"text": "..."} or a JSON string, or name the field with --text-field',
      });
    }
    return { record: value as Record<string, unknown>, text, line };
  });
}

/** Where results go: `write` as they come. */
export interface Sink {
  write(data: string | Uint8Array): Promise<void>;
}

/** Runs `body` with a sink on `path` (written atomically: nothing under that name on failure) or on stdout for `-`. */
export async function withOutput(path: string, body: (sink: Sink) => Promise<void>): Promise<void> {
  if (path === '-') {
    const stdout = process.stdout;
    await body({
      write: (data) =>
        new Promise<void>((resolve, reject) => {
          stdout.write(data, (error) => (error ? reject(error) : resolve()));
        }),
    });
    return;
  }
  await writeAtomicWith(path, async (handle) => {
    await body({
      write: async (data) => {
        if (typeof data === 'string') await handle.write(data);
        else await handle.write(data);
      },
    });
  });
}

/** The output row of an input row: its other fields (or its line number) and the result. */
export function outputRow(row: InputRow, field: string, result: Record<string, unknown>): string {
  const { [field]: _text, ...rest } = row.record ?? { line: row.line };
  return `${JSON.stringify({ ...rest, ...result })}\n`;
}

export interface ModelFlags extends HubFlags {
  model: string;
  input: string;
  output: string;
  format: InputFormat;
  textField: string;
  engine: 'onnx' | 'tfjs';
  dtype: 'fp32' | 'int8';
  int8: boolean;
  device?: 'cpu' | 'cuda' | 'auto';
  threads?: number;
  batchSize: number;
  maxLength?: number;
  stride?: number;
  addPrefixSpace: boolean;
  progress: boolean;
}

const choice =
  <T extends string>(values: readonly T[]) =>
  (value: string): T => {
    if (!(values as readonly string[]).includes(value))
      throw new InvalidArgumentError(`Expected one of ${values.join(', ')}.`);
    return value as T;
  };

/** The options `predict` and `embed` share. */
export function addModelOptions(command: Command): Command {
  return addHubOptions(
    command
      .requiredOption('-m, --model <dir|hub id>', 'model folder (config.json, weights, tokenizer) or hub id')
      .option('-i, --input <file|->', 'texts: JSON Lines or plain text lines; - for stdin', '-')
      .option('-o, --output <file|->', 'where results go; - for stdout', '-')
      .addOption(
        new Option(
          '--format <kind>',
          'input format: jsonl, text, or auto (by extension, else by the first line)',
        )
          .choices(['auto', 'jsonl', 'text'])
          .default('auto'),
      )
      .option('--text-field <name>', 'JSON Lines: the field holding the text', 'text')
      .option('-e, --engine <name>', 'onnx (ONNX Runtime) or tfjs', choice(['onnx', 'tfjs'] as const), 'onnx')
      .option(
        '--dtype <type>',
        'onnx: fp32, or int8 weights for the linear layers',
        choice(['fp32', 'int8'] as const),
        'fp32',
      )
      .option('--int8', 'same as --dtype int8', false)
      .option(
        '--device <name>',
        'onnx: cpu, cuda or auto; tfjs: cuda asks for tfjs-node-gpu',
        choice(['cpu', 'cuda', 'auto'] as const),
      )
      .option('--threads <n>', 'onnx: intra-op threads (default: every core)', positiveInteger)
      .option('--batch-size <n>', 'windows per batch (grouped by length)', positiveInteger, 8)
      .option(
        '--max-length <n>',
        "tokens per window, special tokens included (default: the model's context, 512 for BERT, 8192 for ModernBERT)",
        positiveInteger,
      )
      .option(
        '--stride <n>',
        'tokens each window of a longer text repeats from the previous one (default: a quarter of a window)',
        nonNegativeInteger,
      )
      .option(
        '--add-prefix-space',
        'tokenize with add_prefix_space (ModernBERT models fine-tuned by bcmb finetune saw words that way)',
        false,
      )
      .option('--no-progress', 'no progress bar (it is drawn only when stderr is a terminal anyway)'),
  );
}

/** The pipeline options those flags give. */
export function pipelineOptions(flags: ModelFlags) {
  return {
    engine: flags.engine,
    dtype: flags.int8 ? ('int8' as const) : flags.dtype,
    batchSize: flags.batchSize,
    ...(flags.device ? { device: flags.device } : {}),
    ...(flags.threads ? { threads: flags.threads } : {}),
    ...(flags.maxLength === undefined ? {} : { maxLength: flags.maxLength }),
    ...(flags.stride === undefined ? {} : { stride: flags.stride }),
    ...(flags.addPrefixSpace ? { tokenizerOptions: { addPrefixSpace: true } } : {}),
    warn: (message: string) => process.stderr.write(`bcmb: ${message}\n`),
  };
}

/**
 * Runs the rows through `run` in chunks (so results stream out and memory stays flat), drawing a progress bar in
 * texts with an ETA; `emit` writes each chunk's results.
 */
export async function runInChunks<R>(
  rows: readonly InputRow[],
  options: { label: string; progress: boolean; chunkSize: number },
  run: (texts: string[], onProgress: (done: number, total: number) => void) => Promise<R[]>,
  emit: (rows: readonly InputRow[], results: R[]) => Promise<void>,
): Promise<void> {
  const progress = createProgress({
    label: options.label,
    total: rows.length,
    ...(options.progress ? {} : { enabled: false }),
  });
  try {
    for (let from = 0; from < rows.length; from += options.chunkSize) {
      const chunk = rows.slice(from, from + options.chunkSize);
      const results = await run(
        chunk.map((row) => row.text),
        (done, total) => progress.update(from + Math.floor((chunk.length * done) / Math.max(total, 1))),
      );
      await emit(chunk, results);
      progress.update(from + chunk.length);
    }
  } finally {
    progress.stop();
  }
}
