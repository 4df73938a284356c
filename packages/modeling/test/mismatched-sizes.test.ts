import { WeightMismatchError } from '@bcmb/architectures';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromPretrained, initBackend } from '../src/index.js';
import { MODELS_DIR } from './reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', onReport: () => undefined });
});

describe('issue 17 item 13: a checkpoint with another label set', () => {
  const dir = `${MODELS_DIR}tiny-bert-seqcls`;

  it('fails with a hint that names ignoreMismatchedSizes / --ignore-mismatched-sizes', async () => {
    const error = await fromPretrained(dir, { numLabels: 5, onWarning: () => undefined }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WeightMismatchError);
    expect((error as Error).message).toMatch(/classifier\.weight has shape \[3,64\]/);
    expect((error as Error).message).toMatch(/--ignore-mismatched-sizes/);
  });

  it('with ignoreMismatchedSizes, re-initialises the mismatched head and keeps the rest, as transformers does', async () => {
    const warnings: string[] = [];
    const model = await fromPretrained(dir, {
      numLabels: 5,
      ignoreMismatchedSizes: true,
      onWarning: (message) => warnings.push(message),
    });
    try {
      expect(model.config.numLabels).toBe(5);
      const classifier = model.params.variables.get('classifier.weight')!;
      expect(classifier.shape).toEqual(model.params.transposed.has('classifier.weight') ? [64, 5] : [5, 64]);
      expect(model.loadReport.missing).toEqual(
        expect.arrayContaining(['classifier.weight', 'classifier.bias']),
      );
      expect(warnings.join('\n')).toMatch(
        /classifier\.weight: found shape \[3, 64\] in the checkpoint and \[5, 64\] in the model instantiated/,
      );
      const same = await fromPretrained(dir, { onWarning: () => undefined });
      const name = 'bert.embeddings.word_embeddings.weight';
      expect(model.params.variables.get(name)!.dataSync()).toEqual(
        same.params.variables.get(name)!.dataSync(),
      );
      same.dispose();
    } finally {
      model.dispose();
    }
  });
});
