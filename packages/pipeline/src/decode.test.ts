import { MetricsInputError } from '@bcmb/metrics';
import { describe, expect, it } from 'vitest';
import { decodeSequence, decodeTokens, entitiesFromWords, type WordPrediction } from './decode.js';

function words(text: string, labels: string[]): WordPrediction[] {
  let from = 0;
  return text.split(' ').map((word, i) => {
    const start = text.indexOf(word, from);
    from = start + word.length;
    return { start, end: from, text: word, label: labels[i] as string, score: 0.5 };
  });
}

describe('entitiesFromWords (seqeval default-mode IOB reading)', () => {
  const text = 'chest pain after CT scan today';

  it('joins B-X I-X into one span and closes it at O', () => {
    const spans = entitiesFromWords(
      words(text, ['B-PROBLEM', 'I-PROBLEM', 'O', 'B-TEST', 'I-TEST', 'O']),
      text,
    );
    expect(spans.map((s) => [s.label, s.text])).toEqual([
      ['PROBLEM', 'chest pain'],
      ['TEST', 'CT scan'],
    ]);
  });

  it('opens an entity at a lone I- and splits on a type switch or a new B-', () => {
    const spans = entitiesFromWords(
      words(text, ['I-PROBLEM', 'I-TEST', 'B-TEST', 'B-TEST', 'I-TEST', 'O']),
      text,
    );
    expect(spans.map((s) => s.text)).toEqual(['chest', 'pain', 'after', 'CT scan']);
  });

  it('merges neighbouring words that share a label without a BIO prefix', () => {
    const spans = entitiesFromWords(words(text, ['name', 'name', 'O', 'date', 'O', 'date']), text);
    expect(spans.map((s) => [s.label, s.start, s.end])).toEqual([
      ['name', 0, 10],
      ['date', 17, 19],
      ['date', 25, 30],
    ]);
  });
});

describe('decodeTokens', () => {
  it('labels each word by its first sub-token and spans it to its last sub-token, skipping special tokens', () => {
    const text = 'metformin daily';
    // [CLS] met ##formin daily [SEP]; the second sub-token's logits favour another label and must be ignored.
    const logits = [9, 0, 0, /**/ 0, 5, 0, /**/ 0, 0, 9, /**/ 9, 0, 0, /**/ 0, 0, 9];
    const decoded = decodeTokens(
      logits,
      3,
      {
        offsets: [
          [0, 0],
          [0, 3],
          [3, 9],
          [10, 15],
          [0, 0],
        ],
        wordIds: [null, 0, 0, 1, null],
      },
      { 0: 'O', 1: 'B-TREATMENT', 2: 'I-TREATMENT' },
      text,
    );
    expect(decoded.words.map((w) => [w.text, w.label])).toEqual([
      ['metformin', 'B-TREATMENT'],
      ['daily', 'O'],
    ]);
    expect(decoded.entities).toEqual([
      { label: 'TREATMENT', start: 0, end: 9, text: 'metformin', score: decoded.words[0]?.score },
    ]);
  });
});

describe('decodeSequence', () => {
  it('takes the first of tied maxima, as numpy argmax does', () => {
    const prediction = decodeSequence([1, 3, 3], { 0: 'a', 1: 'b', 2: 'c' }, false);
    expect(prediction.label).toBe('b');
    expect(prediction.scores['b']).toBeCloseTo(prediction.scores['c'] as number, 12);
  });

  it('multi-label: a label is on only when its logit is strictly above 0', () => {
    const prediction = decodeSequence([0, 0.1, -2, 3], { 0: 'w', 1: 'x', 2: 'y', 3: 'z' }, true);
    expect(prediction.labels).toEqual(['x', 'z']);
    expect(prediction.scores['w']).toBe(0.5);
  });

  it('refuses NaN logits (a broken model) instead of naming label 0', () => {
    expect(() => decodeSequence([0, Number.NaN], { 0: 'a', 1: 'b' }, false)).toThrow(MetricsInputError);
  });

  it('names labels LABEL_i when config.json has no id2label entry', () => {
    expect(decodeSequence([0, 1], {}, false).label).toBe('LABEL_1');
  });
});

describe('decodeTokens with byte-level BPE offsets', () => {
  it('trims the space a token carries and skips whitespace-only tokens', () => {
    // ModernBERT: [CLS] Patient Ġdenies "  " scan [SEP], offsets as its tokenizer reports them.
    const text = 'Patient denies  scan';
    const logits = [0, 9, /**/ 9, 0, /**/ 0, 9, /**/ 9, 0, /**/ 0, 9, /**/ 9, 0];
    const decoded = decodeTokens(
      logits,
      2,
      {
        offsets: [
          [0, 0],
          [0, 7],
          [7, 14],
          [14, 16],
          [16, 20],
          [0, 0],
        ],
        wordIds: [null, 0, 1, 2, 3, null],
      },
      { 0: 'O', 1: 'B-X' },
      text,
    );
    expect(decoded.words.map((w) => [w.text, w.start, w.end, w.label])).toEqual([
      ['Patient', 0, 7, 'O'],
      ['denies', 8, 14, 'B-X'],
      ['scan', 16, 20, 'B-X'],
    ]);
  });
});
