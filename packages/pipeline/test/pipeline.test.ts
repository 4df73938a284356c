/**
 * `pipeline()` on the tiny fixture checkpoints, for every task × engine: each answer equals what the forward it
 * wraps (the ONNX graph or the tfjs model, run directly on the same tokens) gives after transformers' post-processing,
 * and the two engines agree. Offsets are checked against the text for emoji, CJK and whitespace runs.
 */
import { rmSync } from 'node:fs';
import { argmax } from '@bcmb/metrics';
import { onnxRuntimeAvailable } from '@bcmb/onnx';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type EntityGroup,
  type FillMaskCandidate,
  labelOf,
  type Pipeline,
  PipelineInputError,
  PipelineOptionsError,
  type PipelineTask,
  pipeline,
  sigmoid,
  softmax,
  type TokenEntity,
  topK,
} from '../src/index.js';
import { type TinyCheckpoint, tinyModelDir } from '../src/testing/tiny-models.js';
import { directForward, type EngineName } from './direct.js';

const runtime = await onnxRuntimeAvailable();
if (runtime !== true) throw new Error(`onnxruntime-node must load for the pipeline tests: ${runtime}`);

const ENGINES: EngineName[] = ['onnx', 'tfjs'];
const FAMILIES = ['bert', 'modernbert'] as const;
/** Scores of the pipeline against the forward it wraps: the same float32 numbers, batched differently. */
const SAME = 1e-5;
/** The two engines: float32 forwards of the same weights. */
const ENGINES_AGREE = 1e-4;

const TEXTS = [
  'Patient denies chest pain; CT scan shows mass.',
  'Pain pain  pain\t\tpain   pain, no   fever.',
  '患者发热 🧑‍⚕️ seen 🙂 by Dr. Smith: café au lait.',
  '   leading and trailing spaces   ',
];

const dirs = new Map<TinyCheckpoint, string>();
function dirOf(checkpoint: TinyCheckpoint): string {
  let dir = dirs.get(checkpoint);
  if (dir === undefined) {
    dir = tinyModelDir(checkpoint);
    dirs.set(checkpoint, dir);
  }
  return dir;
}
const open: Array<{ dispose(): Promise<void> }> = [];
afterAll(async () => {
  for (const item of open) await item.dispose();
  for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
});

async function make<T extends PipelineTask>(
  task: T,
  checkpoint: TinyCheckpoint,
  engine: EngineName,
  options: Parameters<typeof pipeline<T>>[2] = {},
): Promise<Pipeline<T>> {
  const pipe = await pipeline(task, dirOf(checkpoint), { engine, warn: () => {}, ...options });
  open.push(pipe);
  return pipe;
}

async function direct(
  engine: EngineName,
  checkpoint: TinyCheckpoint,
  head: Parameters<typeof directForward>[2],
) {
  const forward = await directForward(engine, dirOf(checkpoint), head);
  open.push(forward);
  return forward;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
};

describe.each(ENGINES)('on %s', (engine) => {
  describe.each(FAMILIES)('%s', (family) => {
    it('token-classification: every token the forward labels, with its softmax score and tokenizer offsets', async () => {
      const checkpoint = `tiny-${family}-tokcls` as const;
      const ner = await make('token-classification', checkpoint, engine, { ignoreLabels: [] });
      const forward = await direct(engine, checkpoint, 'token-classification');
      const answers = await ner(TEXTS);
      for (const [i, text] of TEXTS.entries()) {
        const encoding = ner.tokenizer.encode(text);
        const logits = await forward.run(encoding.ids, encoding.typeIds);
        const labels = ner.config.numLabels;
        const expected = encoding.ids.flatMap((id, p) => {
          if (encoding.specialTokensMask[p] === 1) return [];
          const probs = softmax(logits, p * labels, labels);
          const top = argmax(probs);
          const [start, end] = encoding.offsets[p] as [number, number];
          return [{ entity: labelOf(ner.config.id2label, top), score: probs[top], index: p, id, start, end }];
        });
        const got = answers[i] as TokenEntity[];
        expect(got.map((t) => [t.entity, t.index, t.start, t.end])).toEqual(
          expected.map((t) => [t.entity, t.index, t.start, t.end]),
        );
        expect(
          maxDiff(
            got.map((t) => t.score),
            expected.map((t) => t.score as number),
          ),
        ).toBeLessThanOrEqual(SAME);
      }
    });

    it('text-classification: softmax (single-label) or sigmoid (multi-label) of the forward, best first', async () => {
      for (const checkpoint of [`tiny-${family}-seqcls`, `tiny-${family}-seqcls-multilabel`] as const) {
        const classify = await make('text-classification', checkpoint, engine, { topK: null });
        const forward = await direct(engine, checkpoint, 'sequence-classification');
        const answers = await classify(TEXTS);
        const multi = checkpoint.endsWith('multilabel');
        for (const [i, text] of TEXTS.entries()) {
          const encoding = classify.tokenizer.encode(text);
          const logits = await forward.run(encoding.ids, encoding.typeIds);
          const scores = multi ? sigmoid(logits) : softmax(logits);
          const got = answers[i] as Array<{ label: string; score: number }>;
          expect(got.map((l) => l.label)).toEqual(
            topK(scores, scores.length).map((c) => labelOf(classify.config.id2label, c)),
          );
          for (const { label, score } of got) {
            const c = Object.entries(classify.config.id2label).find(([, name]) => name === label)?.[0];
            expect(Math.abs(score - (scores[Number(c)] as number))).toBeLessThanOrEqual(SAME);
          }
          if (!multi) expect(got.reduce((sum, l) => sum + l.score, 0)).toBeCloseTo(1, 6);
        }
        expect(await classify(TEXTS[0] as string, { topK: 2 })).toHaveLength(2);
      }
    });

    it('fill-mask: the top-k of the softmax at the mask, decoded, one list per mask', async () => {
      const checkpoint = `tiny-${family}-mlm` as const;
      const fill = await make('fill-mask', checkpoint, engine);
      const forward = await direct(engine, checkpoint, 'masked-lm');
      const text = 'Patient denies [MASK] pain, 患者 🙂.';
      const candidates = (await fill(text, { topK: 4 })) as FillMaskCandidate[];
      const encoding = fill.tokenizer.encode(text);
      const mask = encoding.ids.indexOf(fill.tokenizer.maskTokenId as number);
      const vocab = fill.config.vocabSize;
      const probs = softmax(await forward.run(encoding.ids, encoding.typeIds), mask * vocab, vocab);
      expect(candidates.map((c) => c.token)).toEqual(topK(probs, 4));
      for (const candidate of candidates) {
        expect(Math.abs(candidate.score - (probs[candidate.token] as number))).toBeLessThanOrEqual(SAME);
        expect(candidate.token_str).toBe(fill.tokenizer.decode([candidate.token]));
        const filled = encoding.ids.map((id, p) => (p === mask ? candidate.token : id));
        expect(candidate.sequence).toBe(
          fill.tokenizer.decode(
            filled.filter((id) => id !== fill.tokenizer.padTokenId),
            { skipSpecialTokens: true },
          ),
        );
      }
      const two = (await fill('[MASK] denies [MASK] pain.')) as FillMaskCandidate[][];
      expect(two).toHaveLength(2);
      expect(two.map((list) => list.length)).toEqual([5, 5]);
      expect(two[0]?.[0]?.sequence).toContain('[MASK]');
      await expect(fill('no mask here')).rejects.toThrow(PipelineInputError);
    });

    it('feature-extraction: mean or CLS pooling of the last hidden state, from an MLM or any checkpoint', async () => {
      for (const checkpoint of [`tiny-${family}-mlm`, `tiny-${family}-tokcls`] as const) {
        const embed = await make('feature-extraction', checkpoint, engine);
        const forward = await direct(engine, checkpoint, 'base');
        const hiddenSize = embed.config.hiddenSize;
        const means = await embed(TEXTS);
        const cls = await embed(TEXTS, { pooling: 'cls' });
        const unit = await embed(TEXTS, { normalize: true });
        for (const [i, text] of TEXTS.entries()) {
          const encoding = embed.tokenizer.encode(text);
          const hidden = await forward.run(encoding.ids, encoding.typeIds);
          const tokens = encoding.ids.length;
          const mean = Array.from({ length: hiddenSize }, (_, h) => {
            let sum = 0;
            for (let t = 0; t < tokens; t++) sum += hidden[t * hiddenSize + h] as number;
            return sum / tokens;
          });
          expect(means[i]).toBeInstanceOf(Float32Array);
          expect(maxDiff(means[i] as Float32Array, mean)).toBeLessThanOrEqual(SAME);
          expect(maxDiff(cls[i] as Float32Array, hidden.slice(0, hiddenSize))).toBeLessThanOrEqual(SAME);
          const norm = Math.hypot(...(unit[i] as Float32Array));
          expect(norm).toBeCloseTo(1, 5);
          expect(
            maxDiff(
              unit[i] as Float32Array,
              mean.map((v) => v / Math.hypot(...mean)),
            ),
          ).toBeLessThanOrEqual(SAME);
        }
      }
    });
  });
});

describe('the two engines agree', () => {
  it.each(FAMILIES)('%s: same token labels and scores, same embeddings', async (family) => {
    const answers = [];
    const embeddings: Float32Array[][] = [];
    for (const engine of ENGINES) {
      const ner = await make('token-classification', `tiny-${family}-tokcls`, engine, {
        aggregationStrategy: 'first',
      });
      answers.push((await ner(TEXTS)) as EntityGroup[][]);
      const embed = await make('feature-extraction', `tiny-${family}-mlm`, engine);
      embeddings.push(await embed(TEXTS));
    }
    const [onnx, tfjs] = answers as [EntityGroup[][], EntityGroup[][]];
    expect(onnx.map((groups) => groups.map((g) => [g.entity_group, g.start, g.end, g.word]))).toEqual(
      tfjs.map((groups) => groups.map((g) => [g.entity_group, g.start, g.end, g.word])),
    );
    onnx.forEach((groups, i) => {
      groups.forEach((g, j) => {
        expect(Math.abs(g.score - (tfjs[i]?.[j]?.score ?? 0))).toBeLessThanOrEqual(ENGINES_AGREE);
      });
    });
    embeddings[0]?.forEach((vector, i) => {
      expect(maxDiff(vector, embeddings[1]?.[i] as Float32Array)).toBeLessThanOrEqual(ENGINES_AGREE);
    });
  });
});

describe('character offsets come from the tokenizer, exact for emoji, CJK and whitespace runs', () => {
  const text = 'Pt 🧑‍⚕️ 患者发热  pain\t\t pain   pain 🙂x.\n\n  CT';
  const emoji = '🧑‍⚕️';

  it('WordPiece: each token is its text (## dropped); [UNK] spans exactly its characters', async () => {
    const ner = await make('token-classification', 'tiny-bert-tokcls', 'onnx', { ignoreLabels: [] });
    const tokens = (await ner(text)) as TokenEntity[];
    for (const token of tokens) {
      expect(text.slice(token.start, token.end)).toBe(token.word.replace(/^##/, ''));
      expect(/\s/.test(text.slice(token.start, token.end))).toBe(false);
    }
    // BertNormalizer puts CJK characters apart: four [UNK] tokens, one per character.
    const cjk = tokens.filter((t) => /[\u4e00-\u9fff]/.test(t.word));
    expect(cjk.map((t) => [t.word, t.end - t.start])).toEqual([
      ['患', 1],
      ['者', 1],
      ['发', 1],
      ['热', 1],
    ]);
    // The same word three times: three spans, each where that occurrence is.
    const pains = tokens.filter((t) => t.word === 'pain').map((t) => t.start);
    expect(pains).toEqual([15, 22, 29]);
    const unk = tokens.find((t) => t.word.startsWith('🧑'));
    expect(unk && text.slice(unk.start, unk.end)).toBe(emoji);
  });

  it('byte-level BPE: the bytes of each span decode to exactly its text; spaces ride on the next token', async () => {
    const ner = await make('token-classification', 'tiny-modernbert-tokcls', 'onnx', { ignoreLabels: [] });
    const tokens = (await ner(text)) as TokenEntity[];
    const spans = new Map<string, string[]>();
    for (const token of tokens) {
      const key = `${token.start}:${token.end}`;
      spans.set(key, [...(spans.get(key) ?? []), token.word]);
    }
    let covered = 0;
    for (const [key, pieces] of spans) {
      const [start, end] = key.split(':').map(Number) as [number, number];
      expect(ner.tokenizer.convertTokensToString(pieces)).toBe(text.slice(start, end));
      expect(start).toBe(covered);
      covered = end;
    }
    expect(covered).toBe(text.length);
    // An emoji's bytes (split over several tokens) all span the whole character, as in Rust.
    const at = text.indexOf('🙂');
    expect(tokens.filter((t) => t.start === at).every((t) => t.end === at + 2)).toBe(true);
  });

  it('grouped words keep their text: the decoded word equals the span, whitespace aside', async () => {
    const ner = await make('token-classification', 'tiny-bert-tokcls', 'tfjs', {
      aggregationStrategy: 'first',
      ignoreLabels: [],
    });
    const groups = (await ner(text)) as EntityGroup[];
    for (const group of groups) {
      expect(text.slice(group.start, group.end).replace(/\s+/g, '')).toBe(group.word.replace(/\s+/g, ''));
    }
    expect(groups.at(-1)?.end).toBe(text.length);
  });
});

describe('errors that say what to do', () => {
  it('refuses a head the checkpoint lacks, int8 on tfjs, a window beyond the model and a stride too long', async () => {
    await expect(make('token-classification', 'tiny-bert-seqcls', 'onnx')).rejects.toThrow(
      PipelineOptionsError,
    );
    await expect(make('fill-mask', 'tiny-bert-tokcls', 'onnx')).rejects.toThrow(/ForMaskedLM/);
    await expect(make('feature-extraction', 'tiny-bert-mlm', 'tfjs', { dtype: 'int8' })).rejects.toThrow(
      /int8 weights are an ONNX engine feature/,
    );
    await expect(make('feature-extraction', 'tiny-bert-mlm', 'onnx', { maxLength: 4096 })).rejects.toThrow(
      /beyond the model's 512-token context/,
    );
    await expect(
      make('feature-extraction', 'tiny-bert-mlm', 'onnx', { maxLength: 16, stride: 14 }),
    ).rejects.toThrow(/stride 14 must be a whole number below the 14 text tokens/);
  });

  it('int8 weights run on ONNX and stay close to fp32', async () => {
    const fp32 = await make('feature-extraction', 'tiny-modernbert-mlm', 'onnx');
    const int8 = await make('feature-extraction', 'tiny-modernbert-mlm', 'onnx', { dtype: 'int8' });
    const [a, b] = [await fp32(TEXTS[0] as string), await int8(TEXTS[0] as string)];
    expect(maxDiff(a, b)).toBeGreaterThan(0);
    expect(maxDiff(a, b)).toBeLessThan(0.1);
  });
});

describe('tfjs engine', () => {
  it('leaves no tensor behind across calls', async () => {
    const ner = await make('token-classification', 'tiny-modernbert-tokcls', 'tfjs');
    await ner(TEXTS);
    const after = tf.memory().numTensors;
    await ner(TEXTS);
    await ner(TEXTS.slice(1), { aggregationStrategy: 'max' });
    expect(tf.memory().numTensors).toBe(after);
  });
});
