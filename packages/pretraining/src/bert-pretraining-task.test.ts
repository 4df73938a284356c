import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig, readSafetensors } from '@bcmb/architectures';
import { fromPretrained, initBackend, savePretrained, stateDictOf } from '@bcmb/modeling';
import { NEXT_SENTENCE_LABEL, TrainingSession, trainingModelOf } from '@bcmb/onnx';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

const TINY_BERT = new URL('../../../fixtures/models/tiny-bert-mlm/', import.meta.url).pathname;
const NO_DROPOUT = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
// Two sentence pairs of a BERT pre-training batch: [CLS] A [SEP] B [SEP], segment ids 0 / 1, padding at the end.
const IDS = [
  [2, 17, 40, 133, 3, 77, 81, 3, 0],
  [2, 900, 12, 3, 301, 302, 303, 511, 3],
];
const MASK = IDS.map((row) => row.map((id, i) => (id === 0 && i > 0 ? 0 : 1)));
const TYPES = [
  [0, 0, 0, 0, 0, 1, 1, 1, 0],
  [0, 0, 0, 0, 1, 1, 1, 1, 1],
];
const LABELS = [
  [-100, 17, -100, -100, -100, -100, 81, -100, -100],
  [-100, -100, 12, -100, 301, -100, -100, -100, -100],
];
const NEXT = [0, 1];

beforeAll(async () => {
  await initBackend({ backend: 'cpu', onReport: () => {} });
});

/** -log softmax(logits)[label], averaged over rows, in float64. */
function crossEntropy(logits: Float32Array, labels: number[], classes: number): number {
  let total = 0;
  labels.forEach((label, r) => {
    const row = Array.from(logits.subarray(r * classes, (r + 1) * classes));
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
    total += logSum - (row[label] as number);
  });
  return total / labels.length;
}

describe('BERT pre-training task (MLM + next-sentence prediction, BertForPreTraining)', () => {
  it('on tfjs: loss = MLM cross-entropy + the cross-entropy of the pooled next-sentence logits', async () => {
    const model = await fromPretrained(TINY_BERT, {
      task: 'pretraining',
      configOverrides: NO_DROPOUT,
      onWarning: () => {},
    });
    const mlmOnly = await fromPretrained(TINY_BERT, { configOverrides: NO_DROPOUT, onWarning: () => {} });
    const inputs = {
      inputIds: tf.tensor2d(IDS, undefined, 'int32'),
      attentionMask: tf.tensor2d(MASK, undefined, 'int32'),
      tokenTypeIds: tf.tensor2d(TYPES, undefined, 'int32'),
      labels: tf.tensor2d(LABELS, undefined, 'int32'),
      nextSentenceLabels: tf.tensor1d(NEXT, 'int32'),
    };
    const output = model.forward(inputs);
    const mlm = mlmOnly.forward(inputs);
    const nspLogits = output.seqRelationshipLogits?.dataSync() as Float32Array;
    expect(output.seqRelationshipLogits?.shape).toEqual([2, 2]);
    const expected = (mlm.loss?.dataSync()[0] as number) + crossEntropy(nspLogits, NEXT, 2);
    expect(output.loss?.dataSync()[0]).toBeCloseTo(expected, 5);
    // The NSP head reads BERT's tanh pooler: logits = pooled · Wᵀ + b.
    const pooled = output.poolerOutput?.dataSync() as Float32Array;
    const weight = model.parameters().get('cls.seq_relationship.weight') as tf.Variable;
    const bias = model.parameters().get('cls.seq_relationship.bias')?.dataSync() as Float32Array;
    const w = weight.dataSync() as Float32Array; // stored [in, out] (Linear weights are transposed on tfjs)
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 2; c++) {
        let sum = bias[c] as number;
        for (let i = 0; i < 64; i++) sum += (pooled[b * 64 + i] as number) * (w[i * 2 + c] as number);
        expect(nspLogits[b * 2 + c]).toBeCloseTo(sum, 5);
      }
    model.dispose();
    mlmOnly.dispose();
  });

  it('the ONNX training graph computes the tfjs loss for the same weights, and checkpoints carry BertForPreTraining names', async () => {
    const model = await fromPretrained(TINY_BERT, {
      task: 'pretraining',
      configOverrides: NO_DROPOUT,
      onWarning: () => {},
    });
    const output = model.forward({
      inputIds: tf.tensor2d(IDS, undefined, 'int32'),
      attentionMask: tf.tensor2d(MASK, undefined, 'int32'),
      tokenTypeIds: tf.tensor2d(TYPES, undefined, 'int32'),
      labels: tf.tensor2d(LABELS, undefined, 'int32'),
      nextSentenceLabels: tf.tensor1d(NEXT, 'int32'),
    });
    const tfjsLoss = output.loss?.dataSync()[0] as number;
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-bert-pretraining-'));
    try {
      await savePretrained(model, dir);
      const saved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
      expect(saved.architectures).toEqual(['BertForPreTraining']);
      const names = [...(await readSafetensors(join(dir, 'model.safetensors'))).keys()];
      expect(names).toEqual(
        expect.arrayContaining([
          'bert.pooler.dense.weight',
          'cls.seq_relationship.weight',
          'cls.seq_relationship.bias',
          'cls.predictions.transform.dense.weight',
          'cls.predictions.bias',
        ]),
      );
      const config = await readConfig(dir, NO_DROPOUT);
      const built = trainingModelOf(config, 'pretraining', stateDictOf(model));
      expect(built.inputNames).toContain(NEXT_SENTENCE_LABEL);
      const session = await TrainingSession.create(built.model);
      const int64 = (rows: number[][]) => ({
        data: BigInt64Array.from(rows.flat(), BigInt),
        dims: [rows.length, (rows[0] as number[]).length],
      });
      const result = await session.step(
        {
          input_ids: int64(IDS),
          attention_mask: int64(MASK),
          token_type_ids: int64(TYPES),
          labels: int64(LABELS),
          [NEXT_SENTENCE_LABEL]: { data: BigInt64Array.from(NEXT, BigInt), dims: [2] },
        },
        1e-3,
      );
      await session.release();
      expect(Math.abs(result.loss - tfjsLoss)).toBeLessThan(1e-5);
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
