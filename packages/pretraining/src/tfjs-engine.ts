import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import { type EncoderModel, fromPretrained, randomModel, savePretrained } from '@bcmb/modeling';
import { collate, type EncodedExample, lossAndGradients } from '@bcmb/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { hasWeightFiles } from './checkpoint.js';
import type {
  EngineModelOptions,
  EngineOptimizerState,
  EvalResult,
  MlmBatch,
  MlmSequence,
  PretrainEngine,
  PretrainTask,
  TrainStepResult,
} from './engine.js';
import { PretrainRunError } from './errors.js';
import { StableAdamW, stableAdamWDecayGroups } from './stable-adamw.js';

export interface TfjsEngineOptions extends EngineModelOptions {
  /** Head and loss (default masked-lm); `pretraining` adds BERT's next-sentence head (training steps only). */
  task?: PretrainTask;
  /** Sequences per forward pass when evaluating. */
  evalBatchSize?: number;
  onWarning?: (message: string) => void;
}

/**
 * The run loop's engine on TensorFlow.js through `@bcmb/modeling`: each packed row is split back into its
 * sequences and run as a padded batch (equivalent to ModernBERT's unpadded varlen attention: no attention across
 * sequences, positions restart at 0), gradients are summed over the rows with weight 1/rows, and StableAdamW
 * updates float32 master copies of the weights.
 */
export async function createTfjsEngine(options: TfjsEngineOptions): Promise<PretrainEngine> {
  const configText = await readFile(join(options.modelDir, 'config.json'), 'utf8').catch((error: unknown) => {
    throw new PretrainRunError(`No config.json in the model folder ${options.modelDir}`, {
      cause: error,
      hint: 'Pass a Hugging Face model folder or hub id (load_path / --model)',
    });
  });
  const config = JSON.parse(configText) as Record<string, unknown>;
  const hasWeights = await hasWeightFiles(options.modelDir);
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const task = options.task ?? 'masked-lm';
  const model: EncoderModel = hasWeights
    ? await fromPretrained(options.modelDir, { task, onWarning: warn })
    : await randomModel(options.modelDir, { task });
  const parameters = model.parameters();
  const master = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const [name, variable] of parameters) {
    master.set(name, (variable.dataSync() as Float32Array).slice());
    shapes.set(name, [...variable.shape]);
  }
  const optimizer = new StableAdamW(
    stableAdamWDecayGroups(shapes, options.weightDecay, options.filterBiasNormWd),
    {
      maxLr: options.maxLr,
      betas: options.betas,
      eps: options.eps,
    },
  );
  const pad = requireId(config, 'pad_token_id');
  const vocabSize = requireId(config, 'vocab_size');
  const mask = options.maskTokenId;
  const evalBatchSize = options.evalBatchSize ?? 8;

  const toExamples = (sequences: MlmSequence[]): EncodedExample[] =>
    sequences.map((s) => ({ inputIds: Array.from(s.inputIds), label: Array.from(s.labels) }));

  return {
    name: `tfjs-${tf.getBackend()}`,
    specialIds: {
      pad,
      mask,
      cls: typeof config.cls_token_id === 'number' ? config.cls_token_id : null,
      sep: typeof config.sep_token_id === 'number' ? config.sep_token_id : null,
    },
    vocabSize,
    configFields: config,

    async trainStep(batch: MlmBatch, lr: number): Promise<TrainStepResult> {
      const rows = batch.rows.filter((row) => row.some((s) => s.labels.some((l) => l !== IGNORED_LABEL_ID)));
      const sums = new Map<string, Float32Array>();
      let loss = 0;
      for (const row of rows) {
        const padded = collate(toExamples(row), pad, 'token');
        const nsp = task === 'pretraining' ? nextSentenceInputs(row, padded.inputIds.shape[1]) : {};
        try {
          const result = lossAndGradients(model, { ...padded, ...nsp }, { share: 1 / batch.rows.length });
          loss += result.loss;
          for (const [name, grad] of result.grads) {
            const data = grad.dataSync() as Float32Array;
            const sum = sums.get(name);
            if (sum === undefined) sums.set(name, data.slice());
            else for (let i = 0; i < data.length; i++) sum[i] = (sum[i] as number) + (data[i] as number);
            grad.dispose();
          }
        } finally {
          padded.inputIds.dispose();
          padded.attentionMask.dispose();
          padded.labels.dispose();
          nsp.tokenTypeIds?.dispose();
          nsp.nextSentenceLabels?.dispose();
        }
      }
      const report = optimizer.update(master, sums, lr);
      for (const [name, variable] of parameters) {
        if (!sums.has(name)) continue;
        const updated = tf.tensor(master.get(name) as Float32Array, variable.shape, 'float32');
        variable.assign(updated);
        updated.dispose();
      }
      return { loss, gradNorm: report.gradNorm };
    },

    async evaluate(sequences: MlmSequence[]): Promise<EvalResult> {
      const result: EvalResult = { lossSum: 0, labelled: 0, correct: 0 };
      for (let start = 0; start < sequences.length; start += evalBatchSize) {
        const slice = sequences.slice(start, start + evalBatchSize);
        const labelled = slice.reduce((n, s) => n + s.labels.filter((l) => l !== IGNORED_LABEL_ID).length, 0);
        if (labelled === 0) continue;
        const padded = collate(toExamples(slice), pad, 'token');
        const { loss, predictions, labels } = tf.tidy(() => {
          const output = model.forward(padded, { training: false });
          return {
            loss: output.loss as tf.Scalar,
            predictions: tf.argMax(output.logits as tf.Tensor3D, -1),
            labels: padded.labels,
          };
        });
        const predicted = predictions.dataSync();
        const gold = labels.dataSync();
        for (let i = 0; i < gold.length; i++)
          if (gold[i] !== IGNORED_LABEL_ID && predicted[i] === gold[i]) result.correct++;
        result.lossSum += (loss.dataSync()[0] as number) * labelled;
        result.labelled += labelled;
        loss.dispose();
        predictions.dispose();
        padded.inputIds.dispose();
        padded.attentionMask.dispose();
        padded.labels.dispose();
      }
      return result;
    },

    optimizerState(): EngineOptimizerState {
      return optimizer.stateDict();
    },

    loadOptimizerState(state: EngineOptimizerState): void {
      optimizer.loadStateDict(state);
    },

    async saveModel(dir: string): Promise<void> {
      await savePretrained(model, dir);
    },

    dispose(): void {
      model.dispose();
    },
  };
}

/** Segment ids padded with 0 to `length` and the next-sentence labels of the pre-training task. */
function nextSentenceInputs(
  row: MlmSequence[],
  length: number,
): { tokenTypeIds?: tf.Tensor2D; nextSentenceLabels?: tf.Tensor1D } {
  const types = new Int32Array(row.length * length);
  row.forEach((s, r) => {
    if (s.tokenTypeIds) types.set(s.tokenTypeIds, r * length);
  });
  return {
    tokenTypeIds: tf.tensor2d(types, [row.length, length], 'int32'),
    nextSentenceLabels: tf.tensor1d(
      row.map((s) => s.nextSentenceLabel ?? IGNORED_LABEL_ID),
      'int32',
    ),
  };
}

function requireId(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  if (typeof value !== 'number') {
    throw new PretrainRunError(`config.json has no numeric ${key}`, {
      hint: 'Use a ModernBERT or BERT masked-LM config',
    });
  }
  return value;
}
