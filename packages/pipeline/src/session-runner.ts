import { type BatchingOptions, type BatchSession, runSequences } from '@bcmb/onnx/browser';
import type { EncoderRunner } from './tasks.js';

/**
 * An `EncoderRunner` over an ONNX session (onnxruntime-node's or onnxruntime-web's): length-sorted padded batches,
 * each input's `output` cut to its real tokens. One call at a time: concurrent runs on one session fight over its
 * thread pool (many times slower).
 */
export function sessionRunner(
  session: BatchSession & { release(): Promise<void> },
  output: string,
  options: BatchingOptions = {},
): EncoderRunner {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(inputs, onBatch) {
      const result = queue.then(async () => {
        const outputs = await runSequences(session, inputs, { ...options, ...(onBatch ? { onBatch } : {}) });
        return outputs.map((out) => out[output] as Float32Array);
      });
      queue = result.catch(() => undefined);
      return result;
    },
    dispose: () => queue.then(() => session.release()),
  };
}
