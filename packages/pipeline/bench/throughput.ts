/**
 * Inference throughput of `pipeline()` in Node on ONNX Runtime (fp32 and int8 weights) for the BERT-base and
 * ModernBERT-base shapes with random weights and the real tokenizers: embeddings per second (mean pooling over short
 * clinical lines) and token-classification characters per second (a 20,000-character discharge summary: BERT reads it
 * in 512-token windows, ModernBERT in one 8192-token window). Prints figures; not a test.
 *
 * Run: pnpm --filter @bcmb/pipeline bench
 */
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type EncoderConfig, parseConfig } from '@bcmb/architectures';
import { exportRandomEncoder } from '@bcmb/onnx';
import { loadTokenizer, type Tokenizer } from '@bcmb/tokenizer';
import { clinicalDocument, clinicalNotes } from '../../tokenizer/bench/clinical-text.js';
import { BENCH_SHAPES } from '../../trainer/bench/shapes.js';
import { createPipeline, exportedModelRunner, type PipelineTask, TASK_HEADS } from '../src/index.js';

const TOKENIZERS = fileURLToPath(new URL('../../tokenizer/fixtures/', import.meta.url));
const EMBED_TEXTS = 64;
const NOTE_CHARS = 20_000;
const BATCH_SIZE = 8;
/** DEID's tag set: BIO over age, date, location, name, other, phone_nb. */
const DEID_LABELS = [
  'O',
  ...['age', 'date', 'location', 'name', 'other', 'phone_nb'].flatMap((t) => [`B-${t}`, `I-${t}`]),
];

const MODELS = [
  {
    name: 'bert-base',
    shape: 'bert-base',
    prefix: 'Bert',
    tokenizer: () => loadTokenizer(`${TOKENIZERS}bert-base-cased`, { warn: () => {} }),
  },
  {
    name: 'modernbert-base',
    shape: 'modernbert-base',
    prefix: 'ModernBert',
    tokenizer: () => loadTokenizer(`${TOKENIZERS}modernbert`),
  },
] as const;

function configOf(shape: string, prefix: string, task: PipelineTask): EncoderConfig {
  const head = TASK_HEADS[task];
  return parseConfig({
    ...BENCH_SHAPES[shape],
    architectures: head === 'base' ? [`${prefix}Model`] : [`${prefix}ForTokenClassification`],
    id2label: Object.fromEntries(DEID_LABELS.map((label, i) => [String(i), label])),
  });
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const start = performance.now();
  const result = await run();
  return { seconds: (performance.now() - start) / 1000, result };
}

async function bench(
  model: (typeof MODELS)[number],
  tokenizer: Tokenizer,
  dtype: 'fp32' | 'int8',
  lines: string[],
  note: string,
): Promise<string> {
  const quantize = dtype === 'int8';
  const make = async <T extends PipelineTask>(task: T) => {
    const config = configOf(model.shape, model.prefix, task);
    const runner = await exportedModelRunner(
      exportRandomEncoder(config, { task: TASK_HEADS[task], quantize, withHiddenState: false }),
      { batchSize: BATCH_SIZE },
    );
    return createPipeline({ task, config, tokenizer, runner, warn: () => {} });
  };

  const embed = await make('feature-extraction');
  await embed(lines.slice(0, BATCH_SIZE)); // warm-up
  const tokens = lines.reduce((n, line) => n + tokenizer.encode(line).ids.length, 0);
  const embedded = await timed(() => embed(lines));
  await embed.dispose();

  const ner = await make('token-classification');
  await ner(note.slice(0, 2000), { aggregationStrategy: 'first' }); // warm-up
  const windows = ner.countWindows(note);
  const noteTokens = tokenizer.encode(note).ids.length;
  const tagged = await timed(() => ner(note, { aggregationStrategy: 'first' }));
  await ner.dispose();

  const perSecond = (n: number, s: number) => (n / s).toFixed(n / s >= 100 ? 0 : 1);
  return `| ${model.name} | onnx ${dtype} | ${perSecond(lines.length, embedded.seconds)} (${(tokens / lines.length).toFixed(0)} tokens/text) | ${perSecond(note.length, tagged.seconds)} (${noteTokens} tokens, ${windows} window${windows > 1 ? `s of ${ner.maxLength}, stride ${ner.stride}` : ''}) | ${tagged.result.length} entities |`;
}

async function main(): Promise<void> {
  const lines = clinicalNotes(40_000, 3)
    .flatMap((text) => text.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.length > 20)
    .slice(0, EMBED_TEXTS);
  const note = clinicalDocument(NOTE_CHARS);
  console.log(
    `pipeline throughput — Node ${process.version}, ${availableParallelism()} cores, ORT threads = all cores, batch ${BATCH_SIZE}; load average at start ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `embeddings: ${lines.length} clinical lines (mean pooling); token classification: one ${note.length}-character note ('first' aggregation)\n`,
  );
  console.log('| model | engine | embeddings/s | token classification chars/s | |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const model of MODELS) {
    const tokenizer = await model.tokenizer();
    for (const dtype of ['fp32', 'int8'] as const)
      console.log(await bench(model, tokenizer, dtype, lines, note));
  }
  console.log(
    `\nload average at end ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
}

await main();
