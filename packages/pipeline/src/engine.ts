/**
 * The engines under the pipelines (Node): an ONNX Runtime session on a graph exported from the checkpoint, or the
 * tfjs model. Each runs length-sorted padded batches and returns every input's output cut to its real tokens.
 */
import { type EncoderConfig, loadWeights, type Task } from '@bcmb/architectures';
import { type BackendName, fromPretrained, initBackend } from '@bcmb/modeling';
import {
  type BatchingOptions,
  type Device,
  type ExportedModel,
  exportEncoder,
  LAST_HIDDEN_STATE,
  LOGITS,
  OnnxSession,
  padBatch,
  planBatches,
} from '@bcmb/onnx';
import * as tf from '@tensorflow/tfjs-core';
import { PipelineOptionsError } from './errors.js';
import { sessionRunner } from './session-runner.js';
import type { EncoderRunner } from './tasks.js';

export type PipelineEngine = 'onnx' | 'tfjs';
/** Weights of the encoder's linear layers: float32, or int8 per channel (ONNX only). */
export type PipelineDtype = 'fp32' | 'int8';

export interface EngineOptions extends BatchingOptions {
  /** `onnx` (ONNX Runtime, default) or `tfjs` (@bcmb/modeling on the fastest installed tfjs backend). */
  engine?: PipelineEngine;
  /** Default `fp32`; `int8` quantizes the encoder's linear layers (ONNX only). */
  dtype?: PipelineDtype;
  /**
   * ONNX: `cpu` (default), `cuda` (fails without the CUDA provider) or `auto`. tfjs: `cuda` asks for
   * tfjs-node-gpu; otherwise the fastest installed backend (or `backend`).
   */
  device?: Device;
  /** tfjs: force a backend (`tensorflow-gpu`, `tensorflow`, `wasm`, `cpu`). */
  backend?: BackendName;
  /** ONNX: intra-op threads (default: every core). */
  threads?: number;
  /**
   * Where loading notices go (weights the checkpoint lacks and that were initialised, as transformers warns);
   * default console.warn. Feature extraction reads only the encoder, so its notices (unused heads, BERT's pooler)
   * are not sent.
   */
  warn?: (message: string) => void;
}

/** A runner for `head` of the checkpoint in `dir` (config already read). */
export async function loadRunner(
  dir: string,
  config: EncoderConfig,
  head: Task,
  options: EngineOptions = {},
): Promise<EncoderRunner> {
  const engine = options.engine ?? 'onnx';
  if (engine !== 'onnx' && engine !== 'tfjs')
    throw new PipelineOptionsError(`engine "${String(engine)}" is not onnx or tfjs`);
  const dtype = options.dtype ?? 'fp32';
  if (dtype !== 'fp32' && dtype !== 'int8')
    throw new PipelineOptionsError(`dtype "${String(dtype)}" is not fp32 or int8`);
  if (engine === 'tfjs' && dtype === 'int8') {
    throw new PipelineOptionsError('int8 weights are an ONNX engine feature', {
      hint: "Use engine: 'onnx' with dtype: 'int8', or dtype: 'fp32' on tfjs",
    });
  }
  return engine === 'onnx' ? onnxRunner(dir, config, head, options) : tfjsRunner(dir, head, options);
}

function notices(head: Task, options: EngineOptions): (message: string) => void {
  if (head === 'base') return () => {};
  return options.warn ?? ((message: string) => console.warn(message));
}

async function onnxRunner(
  dir: string,
  config: EncoderConfig,
  head: Task,
  options: EngineOptions,
): Promise<EncoderRunner> {
  const { stateDict } = await loadWeights(dir);
  return exportedModelRunner(
    exportEncoder(config, stateDict, {
      task: head,
      quantize: options.dtype === 'int8',
      withHiddenState: false,
      onWarning: notices(head, options),
    }),
    options,
  );
}

/**
 * A runner over an exported graph on ONNX Runtime (what `loadRunner` builds for the ONNX engine; also for graphs made
 * another way, such as `exportRandomEncoder` in benchmarks): the head's logits, or the last hidden state for `base`.
 */
export async function exportedModelRunner(
  model: ExportedModel,
  options: Pick<EngineOptions, 'device' | 'threads' | 'batchSize' | 'maxTokens' | 'sortByLength'> = {},
): Promise<EncoderRunner> {
  const session = await OnnxSession.create(model, {
    ...(options.device ? { device: options.device } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  });
  return sessionRunner(session, model.task === 'base' ? LAST_HIDDEN_STATE : LOGITS, options);
}

async function tfjsRunner(dir: string, head: Task, options: EngineOptions): Promise<EncoderRunner> {
  const backend = options.backend ?? (options.device === 'cuda' ? 'tensorflow-gpu' : undefined);
  await initBackend({ ...(backend ? { backend } : {}), onReport: () => {} });
  const model = await fromPretrained(dir, { task: head, onWarning: notices(head, options) });
  return {
    async run(inputs, onBatch) {
      const results: Float32Array[] = new Array(inputs.length);
      const batches = planBatches(
        inputs.map((input) => input.inputIds.length),
        options,
      );
      let done = 0;
      for (const batch of batches) {
        const padded = padBatch(inputs, batch);
        const shape: [number, number] = [padded.batchSize, padded.seqLen];
        const output = tf.tidy(() => {
          const out = model.forward({
            inputIds: tf.tensor2d(padded.inputIds as Int32Array, shape, 'int32'),
            attentionMask: tf.tensor2d(padded.attentionMask as Int32Array, shape, 'int32'),
            ...(padded.tokenTypeIds
              ? { tokenTypeIds: tf.tensor2d(padded.tokenTypeIds as Int32Array, shape, 'int32') }
              : {}),
          });
          return (head === 'base' ? out.lastHiddenState : out.logits) as tf.Tensor;
        });
        const data = (await output.data()) as Float32Array;
        const perToken = output.shape.length === 3;
        const width = output.shape.at(-1) as number;
        output.dispose();
        const rowSize = data.length / padded.batchSize;
        batch.indices.forEach((index, row) => {
          const length = inputs[index]?.inputIds.length as number;
          results[index] = data.slice(row * rowSize, row * rowSize + (perToken ? length * width : rowSize));
        });
        done += batch.indices.length;
        onBatch?.(done, inputs.length);
      }
      return results;
    },
    async dispose() {
      model.dispose();
    },
  };
}
