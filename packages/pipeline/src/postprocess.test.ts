import { MetricsInputError } from '@bcmb/metrics';
import { describe, expect, it } from 'vitest';
import { fillMaskCandidates } from './fill-mask.js';
import { l2Normalize, poolHidden, weightedMean } from './pooling.js';
import { softmax, topK } from './scores.js';
import { classifyLogits, defaultClassificationFunction } from './text-classification.js';

describe('text classification (TextClassificationPipeline.postprocess)', () => {
  const labels = (
    problemType: 'single_label_classification' | 'multi_label_classification' | null,
    n = 3,
  ) => ({
    id2label: { 0: 'neg', 1: 'neu', 2: 'pos' },
    numLabels: n,
    problemType,
  });

  it('picks softmax, sigmoid or none the way transformers does', () => {
    expect(defaultClassificationFunction(labels(null))).toBe('softmax');
    expect(defaultClassificationFunction(labels('multi_label_classification'))).toBe('sigmoid');
    expect(defaultClassificationFunction(labels(null, 1))).toBe('sigmoid');
    expect(defaultClassificationFunction({ ...labels(null, 1), problemType: 'regression' })).toBe('none');
  });

  it('returns the top label by default, every label sorted with topK null, ties in label order', () => {
    expect(classifyLogits([1, 3, 3], labels(null))).toEqual([{ label: 'neu', score: softmax([1, 3, 3])[1] }]);
    expect(classifyLogits([1, 3, 3], labels(null), { topK: null }).map((l) => l.label)).toEqual([
      'neu',
      'pos',
      'neg',
    ]);
    const multi = classifyLogits([0, 2, -1], labels('multi_label_classification'), { topK: null });
    expect(multi).toEqual([
      { label: 'neu', score: 1 / (1 + Math.exp(-2)) },
      { label: 'neg', score: 0.5 },
      { label: 'pos', score: 1 / (1 + Math.exp(1)) },
    ]);
    expect(classifyLogits([0, 1], { id2label: {}, numLabels: 2, problemType: null })[0]?.label).toBe(
      'LABEL_1',
    );
  });

  it('refuses NaN logits (a broken model) instead of ranking them', () => {
    expect(() => classifyLogits([0, Number.NaN, 1], labels(null))).toThrow(MetricsInputError);
  });
});

describe('scores', () => {
  it('topK: largest first, equal values in index order, k capped at the row', () => {
    expect(topK([0.1, 0.5, 0.2, 0.5, 0.05], 3)).toEqual([1, 3, 2]);
    expect(topK([1, 2], 5)).toEqual([1, 0]);
    expect(topK([1, 2], 0)).toEqual([]);
  });
});

describe('pooling', () => {
  const hidden = Float32Array.from([1, 2, 3, 4, 5, 6]); // 3 tokens × 2

  it('mean over every token, or the first token for cls', () => {
    expect(Array.from(poolHidden(hidden, 2, 'mean'))).toEqual([3, 4]);
    expect(Array.from(poolHidden(hidden, 2, 'cls'))).toEqual([1, 2]);
  });

  it('joins windows by token count and normalises to unit length', () => {
    const joined = weightedMean([Float32Array.from([1, 0]), Float32Array.from([0, 1])], [3, 1]);
    expect(Array.from(joined)).toEqual([0.75, 0.25]);
    const unit = l2Normalize(Float32Array.from([3, 4]));
    expect(Array.from(unit)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(l2Normalize(new Float32Array(2)))).toEqual([0, 0]);
  });
});

describe('fill-mask (FillMaskPipeline.postprocess)', () => {
  const vocabulary = {
    padTokenId: 0,
    decode: (ids: readonly number[], options?: { skipSpecialTokens?: boolean }) =>
      ids
        .filter((id) => !(options?.skipSpecialTokens && id >= 100))
        .map((id) => `t${id}`)
        .join(' '),
  };

  it('one mask: a flat list; the sequence drops padding and, with one mask, special tokens', () => {
    const out = fillMaskCandidates([101, 5, 103, 102, 0], [2], () => [0, 0, 5, 1, 5], vocabulary, {
      topK: 2,
    });
    expect(out).toEqual([
      { score: softmax([0, 0, 5, 1, 5])[2], token: 2, token_str: 't2', sequence: 't5 t2' },
      { score: softmax([0, 0, 5, 1, 5])[4], token: 4, token_str: 't4', sequence: 't5 t4' },
    ]);
  });

  it('two masks: one list per mask, the other mask left in place, special tokens kept', () => {
    const out = fillMaskCandidates(
      [101, 103, 103, 102],
      [1, 2],
      (m) => (m === 0 ? [9, 0] : [0, 9]),
      vocabulary,
      {
        topK: 1,
      },
    );
    expect(out).toEqual([
      [{ score: softmax([9, 0])[0], token: 0, token_str: 't0', sequence: 't101 t103 t102' }],
      [{ score: softmax([0, 9])[1], token: 1, token_str: 't1', sequence: 't101 t103 t1 t102' }],
    ]);
  });
});
