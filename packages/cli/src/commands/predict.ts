import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { BcmbError, createProgress, writeFileAtomic } from '@bcmb/core';
import { type PredictEngine, Predictor } from '@bcmb/pipeline';
import { Command, InvalidArgumentError } from 'commander';
import { positiveInteger } from '../options.js';

/** A JSON Lines input that is not one text per line. */
export class PredictInputError extends BcmbError {}

interface PredictOptions {
  model: string;
  input: string;
  output: string;
  engine: PredictEngine;
  textField: string;
  batchSize: number;
  maxLength?: number;
  int8: boolean;
  threads?: number;
  progress: boolean;
}

interface InputRow {
  /** The line's object (every field but the text is copied to the output), or null for a bare string. */
  record: Record<string, unknown> | null;
  text: string;
}

/** Reads texts from JSON Lines: each line a JSON string, or an object holding the text under `field`. */
export async function readTexts(path: string, field: string): Promise<InputRow[]> {
  const rows: InputRow[] = [];
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      if (raw.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw new PredictInputError('line is not valid JSON', { file: path, line, cause: error });
      }
      if (typeof value === 'string') {
        rows.push({ record: null, text: value });
        continue;
      }
      const text =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
      if (typeof text !== 'string') {
        throw new PredictInputError(`line has no string field "${field}"`, {
          file: path,
          line,
          hint: 'Give each line as {"text": "..."} or a JSON string, or name the field with --text-field',
        });
      }
      rows.push({ record: value as Record<string, unknown>, text });
    }
  } catch (error) {
    if (error instanceof BcmbError) throw error;
    throw new PredictInputError('cannot read the input file', { file: path, cause: error });
  }
  return rows;
}

const engineChoice = (value: string): PredictEngine => {
  if (value !== 'onnx' && value !== 'tfjs') throw new InvalidArgumentError('Expected onnx or tfjs.');
  return value;
};

async function runPredict(options: PredictOptions): Promise<void> {
  const rows = await readTexts(options.input, options.textField);
  const predictor = await Predictor.load(options.model, {
    engine: options.engine,
    quantize: options.int8,
    batchSize: options.batchSize,
    ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const progress = createProgress({
    label: `predict (${predictor.engine})`,
    total: rows.length,
    ...(options.progress ? {} : { enabled: false }),
  });
  try {
    const predictions = await predictor.predict(
      rows.map((row) => row.text),
      (done) => progress.update(done),
    );
    const lines = predictions.map((prediction, i) => {
      const { record } = rows[i] as InputRow;
      const { [options.textField]: _text, ...rest } = record ?? {};
      return JSON.stringify({ ...rest, ...prediction });
    });
    await writeFileAtomic(options.output, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    process.stderr.write(
      `bcmb: ${predictions.length} ${predictor.task === 'token-classification' ? 'texts tagged' : 'texts classified'} → ${options.output}\n`,
    );
  } finally {
    progress.stop();
    await predictor.dispose();
  }
}

/** `bcmb predict`: sequence or token classification of a JSON Lines file with a fine-tuned model. */
export function predictCommand(): Command {
  return new Command('predict')
    .description(
      'Classify texts (sequence or token classification) from JSON Lines; token labels come back as character spans.',
    )
    .requiredOption('-m, --model <dir>', 'fine-tuned model directory (config.json, weights, tokenizer)')
    .requiredOption('-i, --input <file>', 'JSON Lines: one {"text": ...} object or JSON string per line')
    .requiredOption(
      '-o, --output <file>',
      'JSON Lines of predictions, one per input line, other input fields kept',
    )
    .option('-e, --engine <name>', 'onnx (ONNX Runtime, fast) or tfjs', engineChoice, 'onnx' as PredictEngine)
    .option('--text-field <name>', 'field of each input object that holds the text', 'text')
    .option('--batch-size <n>', 'texts per batch (texts are grouped by length)', positiveInteger, 8)
    .option(
      '--max-length <n>',
      'truncate texts to this many tokens (default: the model maximum)',
      positiveInteger,
    )
    .option('--int8', 'onnx: int8 weights for the linear layers (faster, slightly less exact)', false)
    .option('--threads <n>', 'onnx: intra-op threads (default: every core)', positiveInteger)
    .option('--no-progress', 'no progress bar')
    .action(runPredict);
}
