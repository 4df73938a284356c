import { rmSync } from 'node:fs';
import { onnxRuntimeAvailable } from '@bcmb/onnx';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { SequencePrediction, TokenPrediction } from './decode.js';
import { type Prediction, Predictor } from './predictor.js';
import { tinyClassifierDir } from './testing/tiny-classifier.js';

const runtime = await onnxRuntimeAvailable();
if (runtime !== true) console.warn(`skipping ONNX predictor tests: ${runtime}`);

const TEXTS = [
  'Patient denies chest pain; CT scan shows mass.',
  'Started metformin 500 mg daily.',
  'No fever.',
  'Severe abdominal tenderness, nausea and vomiting; blood culture negative, glucose normal.',
];
/** Probabilities from the two engines: both float32 forwards of the same weights. */
const SCORE_TOLERANCE = 1e-4;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function predictWith(
  dir: string,
  engine: 'onnx' | 'tfjs',
  texts = TEXTS,
  maxLength?: number,
): Promise<Prediction[]> {
  const predictor = await Predictor.load(dir, { engine, ...(maxLength ? { maxLength } : {}) });
  try {
    return await predictor.predict(texts);
  } finally {
    await predictor.dispose();
  }
}

describe.skipIf(runtime !== true)('Predictor', () => {
  it('token classification: every word comes back as its exact character span, ONNX and tfjs agreeing', async () => {
    const dir = tinyClassifierDir('tiny-bert-tokcls');
    dirs.push(dir);
    const onnx = (await predictWith(dir, 'onnx')) as (TokenPrediction & Prediction)[];
    const tfjs = (await predictWith(dir, 'tfjs')) as (TokenPrediction & Prediction)[];
    onnx.forEach((prediction, i) => {
      const text = TEXTS[i] as string;
      const words = text.match(/\w+|[^\w\s]/g) ?? [];
      expect(prediction.words.map((w) => w.text)).toEqual(words);
      for (const word of prediction.words) expect(text.slice(word.start, word.end)).toBe(word.text);
      for (const entity of prediction.entities)
        expect(text.slice(entity.start, entity.end)).toBe(entity.text);
      const other = tfjs[i] as TokenPrediction;
      expect(prediction.words.map((w) => [w.start, w.end, w.label])).toEqual(
        other.words.map((w) => [w.start, w.end, w.label]),
      );
      prediction.words.forEach((w, j) => {
        expect(Math.abs(w.score - (other.words[j]?.score ?? 0))).toBeLessThan(SCORE_TOLERANCE);
      });
      expect(prediction.truncated).toBe(false);
    });
  });

  it('sequence classification: softmax scores over id2label, the same label on ONNX and tfjs', async () => {
    const dir = tinyClassifierDir('tiny-bert-seqcls');
    dirs.push(dir);
    const onnx = (await predictWith(dir, 'onnx')) as (SequencePrediction & Prediction)[];
    const tfjs = (await predictWith(dir, 'tfjs')) as (SequencePrediction & Prediction)[];
    onnx.forEach((prediction, i) => {
      expect(Object.keys(prediction.scores)).toEqual(['negative', 'neutral', 'positive']);
      const total = Object.values(prediction.scores).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 6);
      expect(prediction.score).toBe(Math.max(...Object.values(prediction.scores)));
      expect(prediction.label).toBe(tfjs[i]?.label);
      expect(Math.abs(prediction.score - (tfjs[i]?.score ?? 0))).toBeLessThan(SCORE_TOLERANCE);
    });
  });

  it('multi-label classification returns every label whose logit is above 0', async () => {
    const dir = tinyClassifierDir('tiny-bert-seqcls-multilabel');
    dirs.push(dir);
    const [prediction] = (await predictWith(dir, 'onnx', [TEXTS[0] as string])) as SequencePrediction[];
    const on = Object.entries(prediction?.scores ?? {})
      .filter(([, p]) => p > 0.5)
      .map(([label]) => label);
    expect(prediction?.labels).toEqual(on);
  });

  it('flags texts cut to maxLength tokens and tags only what was read', async () => {
    const dir = tinyClassifierDir('tiny-bert-tokcls');
    dirs.push(dir);
    const [cut] = (await predictWith(dir, 'onnx', [TEXTS[3] as string], 6)) as (TokenPrediction &
      Prediction)[];
    expect(cut?.truncated).toBe(true);
    // 6 tokens = [CLS] + 4 word pieces + [SEP].
    expect(cut?.words.length).toBeLessThanOrEqual(4);
  });

  it('the tfjs engine leaves no tensor behind across calls', async () => {
    const dir = tinyClassifierDir('tiny-bert-tokcls');
    dirs.push(dir);
    const predictor = await Predictor.load(dir, { engine: 'tfjs' });
    try {
      await predictor.predict(TEXTS);
      const after = tf.memory().numTensors;
      await predictor.predict(TEXTS);
      await predictor.predict(TEXTS.slice(1));
      expect(tf.memory().numTensors).toBe(after);
    } finally {
      await predictor.dispose();
    }
  });
});
