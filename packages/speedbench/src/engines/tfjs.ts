/**
 * The tfjs engine: @bcmb/modeling's encoder (base model, no head) on one tfjs backend. Loaded inside
 * benchmark child processes by module URL (see builtin-engines.ts).
 */
import {
  type BackendName,
  fromPretrained,
  initBackend,
  type PretrainedModel,
  randomModel,
} from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import type { EngineBatch, InferenceEngine, LoadedModel } from '../engine.js';
import { readModelInfo } from '../model-info.js';

export interface TfjsEngineOptions {
  /** Force a backend; by default the fastest installed one (`initBackend`'s preference). */
  backend?: BackendName;
}

function forwardOnce(model: PretrainedModel, batch: EngineBatch): tf.Tensor {
  return tf.tidy(() => {
    const shape: [number, number] = [batch.batchSize, batch.seqLen];
    const output = model.forward({
      inputIds: tf.tensor2d(batch.inputIds, shape, 'int32'),
      attentionMask: tf.tensor2d(batch.attentionMask, shape, 'int32'),
    });
    return output.lastHiddenState;
  });
}

export async function createTfjsEngine(options: TfjsEngineOptions = {}): Promise<InferenceEngine> {
  const backend = await initBackend({
    ...(options.backend ? { backend: options.backend } : {}),
    onReport: () => {},
  });
  return {
    name: `tfjs-${backend.name}`,
    async load(modelDir: string): Promise<LoadedModel> {
      const info = await readModelInfo(modelDir);
      const model = info.randomWeights
        ? await randomModel(modelDir, { task: 'base' })
        : await fromPretrained(modelDir, { task: 'base', onWarning: () => {} });
      return {
        maxLength: model.config.maxPositionEmbeddings,
        randomWeights: info.randomWeights,
        async run(batch) {
          const hidden = forwardOnce(model, batch);
          try {
            // Reading the result back waits for every kernel, on asynchronous backends too.
            await hidden.data();
          } finally {
            hidden.dispose();
          }
        },
        async dispose() {
          model.dispose();
        },
      };
    },
  };
}
