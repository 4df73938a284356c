/**
 * The forwards the pipelines wrap, called directly on one unpadded sequence: the ONNX graph `exportEncoder` builds
 * for a head, or the tfjs model `fromPretrained` loads. Tests compare the pipelines' answers with these.
 */
import { loadWeights, readConfig, type Task } from '@bcmb/architectures';
import { fromPretrained, initBackend } from '@bcmb/modeling';
import { exportEncoder, OnnxSession, type OutputTensor } from '@bcmb/onnx';
import * as tf from '@tensorflow/tfjs-core';

export type EngineName = 'onnx' | 'tfjs';

export interface DirectForward {
  /** The head's output for one sequence: `[tokens × width]` or `[width]`. */
  run(ids: readonly number[], typeIds?: readonly number[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export async function directForward(engine: EngineName, dir: string, head: Task): Promise<DirectForward> {
  if (engine === 'onnx') {
    const config = await readConfig(dir);
    const { stateDict } = await loadWeights(dir);
    const session = await OnnxSession.create(
      exportEncoder(config, stateDict, { task: head, withHiddenState: false, onWarning: () => {} }),
    );
    return {
      async run(ids, typeIds) {
        const out = await session.run({
          inputIds: ids,
          attentionMask: ids.map(() => 1),
          ...(typeIds ? { tokenTypeIds: typeIds } : {}),
          batchSize: 1,
          seqLen: ids.length,
        });
        return (out[head === 'base' ? 'last_hidden_state' : 'logits'] as OutputTensor).data;
      },
      dispose: () => session.release(),
    };
  }
  await initBackend({ onReport: () => {} });
  const model = await fromPretrained(dir, { task: head, onWarning: () => {} });
  return {
    async run(ids, typeIds) {
      const shape: [number, number] = [1, ids.length];
      return tf.tidy(() => {
        const out = model.forward({
          inputIds: tf.tensor2d([...ids], shape, 'int32'),
          attentionMask: tf.tensor2d(
            ids.map(() => 1),
            shape,
            'int32',
          ),
          ...(typeIds ? { tokenTypeIds: tf.tensor2d([...typeIds], shape, 'int32') } : {}),
        });
        return ((head === 'base' ? out.lastHiddenState : out.logits) as tf.Tensor).dataSync() as Float32Array;
      });
    },
    async dispose() {
      model.dispose();
    },
  };
}
