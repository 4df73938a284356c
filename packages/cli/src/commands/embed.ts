import { pipeline } from '@bcmb/pipeline';
import { Command, Option } from 'commander';
import { resolveModelFlag } from '../model-source.js';
import { float32Bytes, npyHeader } from '../npy.js';
import {
  addModelOptions,
  type InputRow,
  type ModelFlags,
  outputRow,
  pipelineOptions,
  readTexts,
  runInChunks,
  withOutput,
} from './inference-io.js';

interface EmbedFlags extends ModelFlags {
  pooling: 'mean' | 'cls';
  normalize: boolean;
}

async function runEmbed(flags: EmbedFlags): Promise<void> {
  const rows = await readTexts(flags.input, flags.textField, flags.format);
  const { dir } = await resolveModelFlag(flags.model, flags);
  const embed = await pipeline('feature-extraction', dir, {
    ...pipelineOptions(flags),
    pooling: flags.pooling,
    normalize: flags.normalize,
  });
  const npy = flags.output !== '-' && flags.output.toLowerCase().endsWith('.npy');
  const size = embed.config.hiddenSize;
  process.stderr.write(
    `bcmb: ${flags.pooling} embeddings (${size} values${flags.normalize ? ', L2-normalised' : ''}) from ${flags.model} on ${flags.engine}, windows of ${embed.maxLength} tokens, stride ${embed.stride}\n`,
  );
  try {
    await withOutput(flags.output, async (sink) => {
      if (npy) await sink.write(npyHeader([rows.length, size]));
      await runInChunks(
        rows,
        { label: `embed (${flags.engine})`, progress: flags.progress, chunkSize: flags.batchSize * 16 },
        (texts, onProgress) => embed(texts, { onProgress }),
        async (chunk: readonly InputRow[], vectors) => {
          if (npy) {
            for (const vector of vectors) await sink.write(float32Bytes(vector));
            return;
          }
          await sink.write(
            chunk
              .map((row, i) =>
                outputRow(row, flags.textField, { embedding: Array.from(vectors[i] as Float32Array) }),
              )
              .join(''),
          );
        },
      );
    });
  } finally {
    await embed.dispose();
  }
  process.stderr.write(
    `bcmb: ${rows.length} embeddings → ${flags.output === '-' ? 'stdout' : flags.output}${npy ? ` (float32 [${rows.length}, ${size}])` : ''}\n`,
  );
}

/** `bcmb embed`: one embedding per text from any checkpoint (base, MLM or fine-tuned), to JSON Lines or `.npy`. */
export function embedCommand(): Command {
  return addModelOptions(
    new Command('embed')
      .description(
        "Embed texts with any checkpoint (base, MLM or fine-tuned): the encoder's last hidden state pooled per text. Reads JSON Lines or plain text lines; writes JSON Lines, or a float32 .npy matrix (one row per text, input order) when --output ends in .npy. Longer texts are read in overlapping windows whose embeddings are averaged by token count.",
      )
      .addOption(
        new Option('--pooling <kind>', 'mean over the tokens, or the [CLS] token')
          .choices(['mean', 'cls'])
          .default('mean'),
      )
      .option('--normalize', 'L2-normalise each embedding (cosine similarity = dot product)', false),
  )
    .addHelpText(
      'after',
      `
Output:
  *.npy   numpy float32 matrix [texts, hidden size] (np.load(path)); rows in input order
  other   JSON Lines, {"embedding": [...]} plus the input line's other fields (or "line")

Examples:
  bcmb embed -m thomas-sounack/BioClinical-ModernBERT-base -i notes.jsonl -o notes.npy --normalize
  cat sentences.txt | bcmb embed -m emilyalsentzer/Bio_ClinicalBERT --pooling cls > vectors.jsonl`,
    )
    .action(runEmbed);
}
