import {
  type EncoderConfig,
  loadWeights,
  readConfig,
  type Task,
  taskFromArchitectures,
} from '@bcmb/architectures';
import { fromPretrained, initBackend } from '@bcmb/modeling';
import {
  type BatchingOptions,
  type Device,
  exportEncoder,
  LOGITS,
  OnnxInputError,
  OnnxSession,
  padBatch,
  planBatches,
  runSequences,
  type Sequence,
} from '@bcmb/onnx';
import { loadTokenizer, type Tokenizer } from '@bcmb/tokenizer';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSequence, decodeTokens, type SequencePrediction, type TokenPrediction } from './decode.js';

export type PredictEngine = 'onnx' | 'tfjs';
export type PredictTask = Extract<Task, 'sequence-classification' | 'token-classification'>;

export interface PredictorOptions extends BatchingOptions {
  /** `onnx` (ONNX Runtime, default) or `tfjs` (@bcmb/modeling on the fastest installed tfjs backend). */
  engine?: PredictEngine;
  /** ONNX only: int8 weights for the encoder's linear layers. */
  quantize?: boolean;
  /** ONNX only. */
  device?: Device;
  threads?: number;
  /** Longest input in tokens; longer texts are truncated. Default: the model's max_position_embeddings. */
  maxLength?: number;
}

export type Prediction = (SequencePrediction | TokenPrediction) & {
  /** The text was longer than `maxLength` tokens and only its start was read. */
  truncated: boolean;
};

/** Runs padded batches of token ids to logits, one array per sequence. */
type LogitRunner = {
  run(sequences: Sequence[], onBatch?: (done: number, total: number) => void): Promise<Float32Array[]>;
  dispose(): Promise<void>;
};

async function onnxRunner(
  dir: string,
  config: EncoderConfig,
  task: PredictTask,
  options: PredictorOptions,
): Promise<LogitRunner> {
  const { stateDict } = await loadWeights(dir);
  const exported = exportEncoder(config, stateDict, {
    task,
    quantize: options.quantize ?? false,
    withHiddenState: false,
  });
  const session = await OnnxSession.create(exported, {
    ...(options.device ? { device: options.device } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  });
  return {
    async run(sequences, onBatch) {
      const outputs = await runSequences(session, sequences, { ...options, ...(onBatch ? { onBatch } : {}) });
      return outputs.map((output) => output[LOGITS] as Float32Array);
    },
    dispose: () => session.release(),
  };
}

async function tfjsRunner(dir: string, task: PredictTask, options: PredictorOptions): Promise<LogitRunner> {
  await initBackend({ onReport: () => {} });
  const model = await fromPretrained(dir, { task, onWarning: () => {} });
  return {
    async run(sequences, onBatch) {
      const results: Float32Array[] = new Array(sequences.length);
      const batches = planBatches(
        sequences.map((s) => s.inputIds.length),
        options,
      );
      let done = 0;
      for (const batch of batches) {
        const padded = padBatch(sequences, batch);
        const shape: [number, number] = [padded.batchSize, padded.seqLen];
        const logits = tf.tidy(() => {
          const output = model.forward({
            inputIds: tf.tensor2d(padded.inputIds as Int32Array, shape, 'int32'),
            attentionMask: tf.tensor2d(padded.attentionMask as Int32Array, shape, 'int32'),
            ...(padded.tokenTypeIds
              ? { tokenTypeIds: tf.tensor2d(padded.tokenTypeIds as Int32Array, shape, 'int32') }
              : {}),
          });
          return output.logits as tf.Tensor;
        });
        const data = (await logits.data()) as Float32Array;
        const rowSize = data.length / padded.batchSize;
        const perToken = logits.shape.length === 3;
        const labels = logits.shape.at(-1) as number;
        logits.dispose();
        batch.indices.forEach((index, row) => {
          const length = (sequences[index] as Sequence).inputIds.length;
          results[index] = data.slice(row * rowSize, row * rowSize + (perToken ? length * labels : rowSize));
        });
        done += batch.indices.length;
        onBatch?.(done, sequences.length);
      }
      return results;
    },
    async dispose() {
      model.dispose();
    },
  };
}

/**
 * Sequence or token classification of raw texts with a fine-tuned model directory (config.json, weights,
 * tokenizer): tokenizes with offsets, runs length-sorted batches on ONNX Runtime (or tfjs), and maps token
 * predictions back to character spans of each text.
 */
export class Predictor {
  private constructor(
    readonly config: EncoderConfig,
    readonly task: PredictTask,
    readonly engine: PredictEngine,
    private readonly tokenizer: Tokenizer,
    private readonly runner: LogitRunner,
    private readonly maxLength: number,
  ) {}

  static async load(dir: string, options: PredictorOptions = {}): Promise<Predictor> {
    const config = await readConfig(dir);
    const task = taskFromArchitectures(config);
    if (task !== 'sequence-classification' && task !== 'token-classification') {
      throw new OnnxInputError(`the model in ${dir} is a ${task} model; predict needs a classifier`, {
        hint: 'Use a checkpoint whose config.json architectures ends in ForSequenceClassification or ForTokenClassification',
      });
    }
    const tokenizer = await loadTokenizer(dir);
    const engine = options.engine ?? 'onnx';
    const runner =
      engine === 'onnx' ? await onnxRunner(dir, config, task, options) : await tfjsRunner(dir, task, options);
    const maxLength = Math.min(
      options.maxLength ?? config.maxPositionEmbeddings,
      config.maxPositionEmbeddings,
    );
    return new Predictor(config, task, engine, tokenizer, runner, maxLength);
  }

  /** Predictions for `texts`, in order. `onBatch` reports progress after each batch. */
  async predict(
    texts: readonly string[],
    onBatch?: (done: number, total: number) => void,
  ): Promise<Prediction[]> {
    const full = texts.map((text) => this.tokenizer.encode(text));
    const encodings = full.map((encoding, i) =>
      encoding.ids.length > this.maxLength
        ? this.tokenizer.encode(texts[i] as string, { truncation: true, maxLength: this.maxLength })
        : encoding,
    );
    const logits = await this.runner.run(
      encodings.map((e) => ({ inputIds: e.ids, tokenTypeIds: e.typeIds })),
      onBatch,
    );
    const multiLabel = this.config.problemType === 'multi_label_classification';
    return encodings.map((encoding, i) => {
      const truncated = encoding !== full[i];
      const rowLogits = logits[i] as Float32Array;
      const decoded =
        this.task === 'sequence-classification'
          ? decodeSequence(rowLogits, this.config.id2label, multiLabel)
          : decodeTokens(
              rowLogits,
              this.config.numLabels,
              encoding,
              this.config.id2label,
              texts[i] as string,
            );
      return { ...decoded, truncated };
    });
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
  }
}
