/**
 * Texts longer than the model's context: read in overlapping windows (the tokenizer's overflowing tokens) and merged
 * back. A token seen by one window only gets exactly that window's answer; a token in an overlap gets the answer of
 * the window where it has the most context; a 20,000-character note gets labels over its whole length on a 512-token
 * BERT, and ModernBERT reads 8192 tokens at once.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argmax } from '@bcmb/metrics';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alignWindows,
  type FillMaskCandidate,
  labelOf,
  type Pipeline,
  type PipelineTask,
  pipeline,
  softmax,
  type TokenEntity,
  topK,
} from '../src/index.js';
import { type TinyCheckpoint, tinyModelDir } from '../src/testing/tiny-models.js';
import { directForward, type EngineName } from './direct.js';

const SENTENCES = [
  'Patient denies chest pain; CT scan shows mass in the left lobe.',
  'Started metformin 500 mg daily, lisinopril 10 mg, aspirin 81 mg.',
  'Severe abdominal tenderness, nausea and vomiting; blood culture negative.',
  'Seen by Dr. Smith 🙂 on 3/4/2019 患者发热   with fever   and cough.',
];
function note(chars: number): string {
  let text = '';
  for (let i = 0; text.length < chars; i++) text += `${SENTENCES[i % SENTENCES.length]}\n`;
  return text;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});
function dir(checkpoint: TinyCheckpoint): string {
  const path = tinyModelDir(checkpoint);
  cleanup.push(() => rmSync(path, { recursive: true, force: true }));
  return path;
}
async function make<T extends PipelineTask>(
  task: T,
  path: string,
  options: Parameters<typeof pipeline<T>>[2] = {},
): Promise<Pipeline<T>> {
  const pipe = await pipeline(task, path, { warn: () => {}, ...options });
  cleanup.push(() => pipe.dispose());
  return pipe;
}

describe.each(['onnx', 'tfjs'] as EngineName[])('windows on %s', (engine) => {
  it('token labels: one window only → that window alone; an overlap → the window where the token is most central', async () => {
    const path = dir('tiny-bert-tokcls');
    const ner = await make('token-classification', path, {
      engine,
      maxLength: 32,
      stride: 8,
      ignoreLabels: [],
    });
    const forward = await directForward(engine, path, 'token-classification');
    cleanup.push(() => forward.dispose());
    const text = note(1500);
    const tokens = (await ner(text)) as TokenEntity[];

    const aligned = alignWindows(
      ner.tokenizer.encode(text, { maxLength: 32, stride: 8, returnOverflowingTokens: true }),
      8,
    );
    expect(aligned.windows.length).toBeGreaterThan(10);
    const perWindow: Float32Array[] = [];
    for (const w of aligned.windows) perWindow.push(await forward.run(w.ids, w.typeIds));
    const labels = ner.config.numLabels;
    const labelIn = (window: number, position: number) => {
      const probs = softmax(perWindow[window] as Float32Array, position * labels, labels);
      const top = argmax(probs);
      return { entity: labelOf(ner.config.id2label, top), score: probs[top] as number };
    };
    // Which windows hold each whole-sequence position (by offsets and ids).
    let single = 0;
    let overlapped = 0;
    for (const token of tokens) {
      const holders = aligned.windows.flatMap((w, k) =>
        w.offsets.flatMap(([s, e], position) =>
          w.specialTokensMask[position] === 0 &&
          s === token.start &&
          e === token.end &&
          w.ids[position] === aligned.whole.ids[token.index]
            ? [{ k, position }]
            : [],
        ),
      );
      const source = aligned.sources[token.index] as { window: number; position: number };
      if (holders.length === 1) {
        single++;
        expect(source).toEqual({ window: holders[0]?.k, position: holders[0]?.position });
      } else {
        overlapped++;
        expect(holders.map((h) => h.k)).toContain(source.window);
      }
      const expected = labelIn(source.window, source.position);
      expect(token.entity).toBe(expected.entity);
      expect(Math.abs(token.score - expected.score)).toBeLessThanOrEqual(1e-5);
    }
    expect(single).toBeGreaterThan(0);
    expect(overlapped).toBeGreaterThan(0);
    expect(tokens.length).toBe(aligned.whole.ids.length - 2);
  });

  it('embeddings: the token-count-weighted mean of the windows’ embeddings', async () => {
    const path = dir('tiny-modernbert-mlm');
    const embed = await make('feature-extraction', path, { engine, maxLength: 48, stride: 12 });
    const forward = await directForward(engine, path, 'base');
    cleanup.push(() => forward.dispose());
    const text = note(900);
    const [vector] = await embed([text]);
    const { windows } = alignWindows(
      embed.tokenizer.encode(text, { maxLength: 48, stride: 12, returnOverflowingTokens: true }),
      12,
    );
    expect(windows.length).toBeGreaterThan(3);
    const H = embed.config.hiddenSize;
    const sum = new Float64Array(H);
    let total = 0;
    for (const w of windows) {
      const hidden = await forward.run(w.ids);
      const n = w.ids.length;
      for (let h = 0; h < H; h++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += hidden[t * H + h] as number;
        sum[h] = (sum[h] as number) + s; // mean × token count
      }
      total += n;
    }
    const expected = Array.from(sum, (v) => v / total);
    const got = vector as Float32Array;
    expect(Math.max(...expected.map((v, h) => Math.abs(v - (got[h] as number))))).toBeLessThanOrEqual(1e-5);
  });
});

describe('long notes at full size', () => {
  it('a 20,000-character note gets token labels over its whole length on a 512-token BERT', async () => {
    const ner = await make('token-classification', dir('tiny-bert-tokcls'), { ignoreLabels: [] });
    const text = note(20_000);
    expect(text.length).toBeGreaterThanOrEqual(20_000);
    expect(ner.maxLength).toBe(512);
    expect(ner.countWindows(text)).toBeGreaterThan(5);
    const tokens = (await ner(text)) as TokenEntity[];
    expect(tokens.map((t) => t.index)).toEqual(Array.from({ length: tokens.length }, (_, i) => i + 1));
    expect(tokens.at(-1)?.end).toBe(text.trimEnd().length);
    for (const token of tokens)
      expect(text.slice(token.start, token.end)).toBe(token.word.replace(/^##/, ''));
    const groups = await ner(text, { aggregationStrategy: 'simple' });
    expect(groups.at(-1)?.end).toBe(text.trimEnd().length);
  });

  it('fill-mask finds a mask 1,500 tokens into a note, from the window around it', async () => {
    const path = dir('tiny-bert-mlm');
    const fill = await make('fill-mask', path, { maxLength: 128, stride: 32 });
    const text = `${note(6000)} The patient has [MASK] pain.`;
    const candidates = (await fill(text, { topK: 3 })) as FillMaskCandidate[];
    const aligned = alignWindows(
      fill.tokenizer.encode(text, { maxLength: 128, stride: 32, returnOverflowingTokens: true }),
      32,
    );
    const mask = aligned.whole.ids.indexOf(fill.tokenizer.maskTokenId as number);
    expect(mask).toBeGreaterThan(1500);
    const source = aligned.sources[mask] as { window: number; position: number };
    const forward = await directForward('onnx', path, 'masked-lm');
    cleanup.push(() => forward.dispose());
    const window = aligned.windows[source.window];
    const vocab = fill.config.vocabSize;
    const probs = softmax(
      await forward.run(window?.ids ?? [], window?.typeIds),
      source.position * vocab,
      vocab,
    );
    expect(candidates.map((c) => c.token)).toEqual(topK(probs, 3));
  });

  it('text classification reads the first window, as transformers truncates', async () => {
    const path = dir('tiny-bert-seqcls');
    const classify = await make('text-classification', path, { topK: null });
    const text = note(20_000);
    const forward = await directForward('onnx', path, 'sequence-classification');
    cleanup.push(() => forward.dispose());
    const cut = classify.tokenizer.encode(text, { truncation: true, maxLength: 512 });
    const probs = softmax(await forward.run(cut.ids, cut.typeIds));
    const [scores] = await classify([text]);
    for (const { label, score } of scores ?? []) {
      const c = Number(Object.entries(classify.config.id2label).find(([, name]) => name === label)?.[0]);
      expect(Math.abs(score - (probs[c] as number))).toBeLessThanOrEqual(1e-5);
    }
  });

  it('ModernBERT reads its 8192-token context at once: one window, labels to the end', async () => {
    // The tiny ModernBERT with the context of ModernBERT-base (RoPE: no position table to grow).
    const path = mkdtempSync(join(tmpdir(), 'bcmb-modernbert-8192-'));
    cleanup.push(() => rmSync(path, { recursive: true, force: true }));
    const source = dir('tiny-modernbert-tokcls');
    for (const file of readdirSync(source)) copyFileSync(join(source, file), join(path, file));
    for (const [file, key] of [
      ['config.json', 'max_position_embeddings'],
      ['tokenizer_config.json', 'model_max_length'],
    ] as const) {
      const json = JSON.parse(readFileSync(join(path, file), 'utf8'));
      json[key] = 8192;
      writeFileSync(join(path, file), JSON.stringify(json));
    }
    const ner = await make('token-classification', path, { ignoreLabels: [] });
    expect(ner.maxLength).toBe(8192);
    const text = note(12_000);
    const length = ner.tokenizer.encode(text).ids.length;
    expect(length).toBeGreaterThan(4096);
    expect(length).toBeLessThanOrEqual(8192);
    expect(ner.countWindows(text)).toBe(1);
    const tokens = (await ner(text)) as TokenEntity[];
    expect(tokens).toHaveLength(length - 2);
    expect(tokens.at(-1)?.end).toBe(text.length);
  });
});
