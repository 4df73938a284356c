import { parseConfig } from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type BackendName,
  createModel,
  type EncoderModel,
  type ForwardOptions,
  initBackend,
} from '../src/index.js';
import { withDropoutSeeds } from '../src/nn.js';

/** Small widths, several layers, every dropout active: what a training step exercises, at test size. */
const FAMILIES: Record<'bert' | 'modernbert', Record<string, unknown>> = {
  bert: {
    model_type: 'bert',
    vocab_size: 97,
    hidden_size: 32,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    intermediate_size: 48,
    max_position_embeddings: 64,
    hidden_dropout_prob: 0.2,
    attention_probs_dropout_prob: 0.2,
    num_labels: 3,
  },
  modernbert: {
    model_type: 'modernbert',
    vocab_size: 97,
    hidden_size: 32,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    intermediate_size: 24,
    local_attention: 8,
    global_attn_every_n_layers: 3,
    max_position_embeddings: 64,
    pad_token_id: 0,
    attention_dropout: 0.2,
    mlp_dropout: 0.2,
    embedding_dropout: 0.2,
    classifier_dropout: 0.2,
    num_labels: 3,
  },
};

function batchOf(batch: number, length: number) {
  const ids = Array.from({ length: batch * length }, (_, i) => 1 + ((i * 37) % 96));
  // The last sequence is padded, so padding masks take part.
  const mask = Array.from({ length: batch * length }, (_, i) =>
    Math.floor(i / length) === batch - 1 && i % length >= length - 3 ? 0 : 1,
  );
  return {
    inputIds: tf.tensor2d(ids, [batch, length], 'int32'),
    attentionMask: tf.tensor2d(mask, [batch, length], 'int32'),
    labels: tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 3),
      'int32',
    ),
  };
}

function lossGradients(model: EncoderModel, batch: ReturnType<typeof batchOf>, options: ForwardOptions) {
  // Same dropout masks in every call: the seeds derive from 'step' in call order.
  return withDropoutSeeds('step', () =>
    tf.variableGrads(
      () => model.forward(batch, { training: true, ...options }).loss!,
      [...model.parameters().values()],
    ),
  );
}

describe.each(['cpu', 'wasm'] as BackendName[])('gradient checkpointing on %s', (backend) => {
  for (const family of ['bert', 'modernbert'] as const) {
    it(`${family}: recomputing each layer in the backward pass gives the plain backward's loss and gradients, dropout on`, async () => {
      await initBackend({ backend, onReport: () => undefined });
      const model = createModel(parseConfig(FAMILIES[family], family), 'sequence-classification');
      const batch = batchOf(3, 12);
      const tensorsBefore = tf.memory().numTensors;
      const plain = lossGradients(model, batch, { gradientCheckpointing: false });
      // The whole encoder as one recomputed stack, and (when hidden states are asked for) block by block.
      const stacked = lossGradients(model, batch, { gradientCheckpointing: true });
      const blockwise = lossGradients(model, batch, {
        gradientCheckpointing: true,
        outputHiddenStates: true,
      });
      for (const checkpointed of [stacked, blockwise]) {
        expect(checkpointed.value.dataSync()[0]).toBeCloseTo(plain.value.dataSync()[0]!, 6);
        for (const [name, grad] of Object.entries(plain.grads)) {
          const [scale, worst] = tf.tidy(() => [
            Math.max(1e-6, tf.max(tf.abs(grad)).dataSync()[0]!),
            tf.max(tf.abs(tf.sub(grad, checkpointed.grads[name]!))).dataSync()[0]!,
          ]);
          expect(worst, name).toBeLessThanOrEqual(1e-5 * scale!);
        }
      }
      for (const result of [plain, stacked, blockwise])
        tf.dispose([result.value, ...Object.values(result.grads)]);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      tf.dispose(Object.values(batch));
      model.dispose();
    });
  }
});

describe('backward-pass memory on wasm', () => {
  it('grows linearly, not quadratically, with the batch size (peak tf.memory bytes of a deep, narrow model)', async () => {
    await initBackend({ backend: 'wasm', onReport: () => undefined });
    const config = parseConfig(
      {
        ...FAMILIES.bert,
        num_hidden_layers: 8,
        num_attention_heads: 8,
        hidden_size: 64,
        intermediate_size: 128,
      },
      'deep narrow bert',
    );
    const model = createModel(config, 'sequence-classification');
    const peakExtraBytes = async (size: number) => {
      const batch = batchOf(size, 32);
      const before = tf.memory().numBytes;
      const info = await tf.profile(() => {
        const { value, grads } = lossGradients(model, batch, {});
        tf.dispose([value, ...Object.values(grads)]);
      });
      tf.dispose(Object.values(batch));
      return info.peakBytes - before;
    };
    const [two, four, eight] = [await peakExtraBytes(2), await peakExtraBytes(4), await peakExtraBytes(8)];
    // Linear growth: doubling the batch from 4 to 8 adds about twice what 2 → 4 added; batch² terms make it 4×.
    expect(eight - four).toBeLessThan(2.6 * (four - two));
    expect(four).toBeGreaterThan(two);
    model.dispose();
  });
});
