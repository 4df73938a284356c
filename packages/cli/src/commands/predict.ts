import { readConfig, taskFromArchitectures } from '@bcmb/architectures';
import {
  AGGREGATION_STRATEGIES,
  type AggregationStrategy,
  type Pipeline,
  type PipelineTask,
  pipeline,
} from '@bcmb/pipeline';
import { Command, Option } from 'commander';
import { resolveModelFlag } from '../model-source.js';
import { positiveInteger } from '../options.js';
import {
  addModelOptions,
  type InputRow,
  type ModelFlags,
  outputRow,
  PredictInputError,
  pipelineOptions,
  readTexts,
  runInChunks,
  withOutput,
} from './inference-io.js';

export { PredictInputError, readTexts } from './inference-io.js';

type PredictTask = Exclude<PipelineTask, 'feature-extraction'>;

interface PredictFlags extends ModelFlags {
  task: PredictTask | 'auto';
  aggregation: AggregationStrategy;
  ignoreLabels: string[];
  topK?: number | 'all';
}

/** The task a checkpoint's head answers (config.json `architectures`). */
async function taskOf(dir: string, model: string): Promise<PredictTask> {
  const head = taskFromArchitectures(await readConfig(dir));
  if (head === 'token-classification') return 'token-classification';
  if (head === 'sequence-classification') return 'text-classification';
  if (head === 'masked-lm') return 'fill-mask';
  throw new PredictInputError(`${model} is a bare encoder without a head to predict with`, {
    hint: 'Use `bcmb embed` for embeddings, or a fine-tuned checkpoint',
  });
}

const labelList = (value: string): string[] =>
  value
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');

const topKValue = (value: string): number | 'all' => (value === 'all' ? 'all' : positiveInteger(value));

/** The JSON fields one text's answer adds to its output line. */
function resultOf(task: PredictTask, answer: unknown, windows: number): Record<string, unknown> {
  if (task === 'token-classification') return { entities: answer };
  if (task === 'fill-mask') return { candidates: answer };
  return { labels: answer, truncated: windows > 1 };
}

async function runPredict(flags: PredictFlags): Promise<void> {
  const rows = await readTexts(flags.input, flags.textField, flags.format);
  const { dir } = await resolveModelFlag(flags.model, flags);
  const task = flags.task === 'auto' ? await taskOf(dir, flags.model) : flags.task;
  const topK = flags.topK === 'all' ? null : flags.topK;
  const pipe = (await pipeline(task, dir, {
    ...pipelineOptions(flags),
    ...(task === 'token-classification'
      ? { aggregationStrategy: flags.aggregation, ignoreLabels: flags.ignoreLabels }
      : {}),
    ...(topK === undefined ? {} : { topK }),
  })) as Pipeline<PredictTask>;
  process.stderr.write(
    `bcmb: ${task} with ${flags.model} on ${flags.engine} (${flags.int8 ? 'int8' : flags.dtype}), windows of ${pipe.maxLength} tokens${task === 'text-classification' ? ' (longer texts truncated)' : `, stride ${pipe.stride}`}\n`,
  );
  let windowed = 0;
  try {
    await withOutput(flags.output, (sink) =>
      runInChunks(
        rows,
        { label: `predict (${flags.engine})`, progress: flags.progress, chunkSize: flags.batchSize * 16 },
        (texts, onProgress) => pipe(texts, { onProgress }) as Promise<unknown[]>,
        async (chunk: readonly InputRow[], answers) => {
          let out = '';
          chunk.forEach((row, i) => {
            const windows = pipe.countWindows(row.text);
            if (windows > 1) windowed++;
            out += outputRow(row, flags.textField, resultOf(task, answers[i], windows));
          });
          await sink.write(out);
        },
      ),
    );
  } finally {
    await pipe.dispose();
  }
  const long =
    windowed === 0
      ? ''
      : task === 'text-classification'
        ? `, ${windowed} truncated to ${pipe.maxLength} tokens`
        : `, ${windowed} read in overlapping windows`;
  process.stderr.write(
    `bcmb: ${rows.length} texts${long} → ${flags.output === '-' ? 'stdout' : flags.output}\n`,
  );
}

/** `bcmb predict`: token classification, text classification or fill-mask of texts with a model folder or hub id. */
export function predictCommand(): Command {
  return addModelOptions(
    new Command('predict')
      .description(
        'Run a fine-tuned model over texts: token classification (entity spans with exact character offsets), text classification or fill-mask, chosen from the checkpoint. Reads JSON Lines or plain text lines, writes JSON Lines; texts longer than the model reads at once go through overlapping windows.',
      )
      .addOption(
        new Option('--task <name>', 'what to run (auto: from config.json architectures)')
          .choices(['auto', 'token-classification', 'text-classification', 'fill-mask'])
          .default('auto'),
      )
      .addOption(
        new Option(
          '--aggregation <strategy>',
          "token classification: transformers' aggregation_strategy (none = one entry per token)",
        )
          .choices([...AGGREGATION_STRATEGIES])
          .default('first'),
      )
      .option(
        '--ignore-labels <labels>',
        "token classification: labels left out, comma-separated ('' keeps every label)",
        labelList,
        ['O'],
      )
      .option(
        '--top-k <n>',
        'text classification: labels per text (default 1; all for every label); fill-mask: candidates per mask (default 5)',
        topKValue,
      ),
  )
    .addHelpText(
      'after',
      `
Output, one JSON line per input line (a JSON Lines input keeps its other fields; a plain line gets "line"):
  token classification  {"entities": [{"entity_group", "score", "word", "start", "end"}]}
                        start/end are UTF-16 offsets into the text (text.slice(start, end) in JavaScript)
  text classification   {"labels": [{"label", "score"}], "truncated": false}
  fill-mask             {"candidates": [{"score", "token", "token_str", "sequence"}]}

Examples:
  bcmb predict -m ./checkpoints/DEID/best -i notes.jsonl -o phi.jsonl
  cat notes.txt | bcmb predict -m org/clinical-ner --aggregation simple > spans.jsonl
  bcmb predict -m answerdotai/ModernBERT-base -i masked.txt --top-k 3`,
    )
    .action(runPredict);
}
