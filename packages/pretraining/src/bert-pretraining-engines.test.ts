import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MdsDataset, MdsWriter } from '@bcmb/mds';
import { fromPretrained, initBackend, savePretrained } from '@bcmb/modeling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLINICALBERT_MDS_COLUMNS } from './clinicalbert-data.js';
import { clinicalBertSequence } from './data.js';
import type { MlmSequence, PretrainEngine } from './engine.js';
import { createOnnxEngine } from './onnx-engine.js';
import { createTfjsEngine } from './tfjs-engine.js';

// Float32 on two engines with different kernel orders (issue 14's tolerance for the loss curves).
const CURVE_TOLERANCE = 1e-4;
const TINY_BERT = new URL('../../../fixtures/models/tiny-bert-mlm/', import.meta.url).pathname;
const SEQ = 24;

let root: string;
let sequences: MlmSequence[];
beforeAll(async () => {
  await initBackend({ backend: 'wasm', onReport: () => {} });
  root = await mkdtemp(join(tmpdir(), 'bcmb-bert-pretrain-'));
  // The tiny BERT with dropout off, so both engines compute the same function.
  await cp(TINY_BERT, join(root, 'model'), { recursive: true });
  const config = JSON.parse(await readFile(join(root, 'model', 'config.json'), 'utf8'));
  await writeFile(
    join(root, 'model', 'config.json'),
    JSON.stringify({ ...config, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }),
  );
  // One start for both engines: the MLM checkpoint with the pooler and NSP head initialised once.
  const start = await fromPretrained(join(root, 'model'), { task: 'pretraining', onWarning: () => {} });
  await savePretrained(start, join(root, 'start'));
  start.dispose();
  // Instances shaped like prepare-clinicalbert's: [CLS] A [SEP] B [SEP] padded to SEQ, 4 prediction slots.
  const writer = await MdsWriter.create({ out: join(root, 'mds'), columns: CLINICALBERT_MDS_COLUMNS });
  for (let n = 0; n < 16; n++) {
    const a = 3 + (n % 5);
    const b = 4 + ((n * 3) % 7);
    const real = a + b + 3;
    const ids = new Int32Array(SEQ);
    const mask = new Int32Array(SEQ);
    const segments = new Int32Array(SEQ);
    for (let i = 0; i < real; i++) {
      ids[i] = i === 0 ? 2 : i === a + 1 || i === real - 1 ? 3 : 10 + ((n * 37 + i * 11) % 1000);
      mask[i] = 1;
      segments[i] = i > a + 1 ? 1 : 0;
    }
    const positions = Int32Array.of(1, 2 + (n % a), a + 2, 0);
    const labels = Int32Array.from(positions, (p) => ids[p] as number);
    for (const p of positions.subarray(0, 3)) ids[p] = 4; // [MASK]
    await writer.write({
      input_ids: ids,
      input_mask: mask,
      segment_ids: segments,
      masked_lm_positions: positions,
      masked_lm_ids: labels,
      masked_lm_weights: Float32Array.of(1, 1, 1, 0),
      next_sentence_labels: n % 2,
    });
  }
  await writer.finish();
  const dataset = await MdsDataset.open(join(root, 'mds'));
  sequences = await Promise.all(
    Array.from({ length: dataset.size }, (_, i) => clinicalBertSequence(dataset, i)),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const settings = {
  maxLr: 5e-4,
  betas: [0.9, 0.98] as [number, number],
  eps: 1e-6,
  weightDecay: 0.01,
  filterBiasNormWd: true,
  maskTokenId: 4,
  task: 'pretraining' as const,
};

async function curve(engine: PretrainEngine): Promise<number[]> {
  const losses: number[] = [];
  for (let step = 0; step < 4; step++) {
    const batch = sequences.slice(step * 4, step * 4 + 4);
    const rows = [batch.slice(0, 2), batch.slice(2)];
    const result = await engine.trainStep({ rows, tokens: 0, sequences: 4 }, 5e-4);
    losses.push(result.loss);
  }
  engine.dispose();
  return losses;
}

describe('BERT pre-training (MLM + NSP) on both engines', () => {
  it('reads the instance MDS: real tokens, labels at weighted positions only, segments and NSP label', () => {
    const first = sequences[0] as MlmSequence;
    expect(first.inputIds.length).toBe(3 + 4 + 3);
    expect([...first.labels].filter((l) => l !== -100).length).toBe(3);
    expect(first.tokenTypeIds?.[first.inputIds.length - 1]).toBe(1);
    expect(sequences.map((s) => s.nextSentenceLabel).slice(0, 4)).toEqual([0, 1, 0, 1]);
  });

  it('gives the same MLM + NSP loss curve on tfjs and ONNX Runtime within 1e-4 over 4 StableAdamW steps', async () => {
    const tfjs = await curve(
      await createTfjsEngine({ modelDir: join(root, 'start'), ...settings, onWarning: () => {} }),
    );
    const onnx = await curve(
      await createOnnxEngine({ modelDir: join(root, 'start'), ...settings, rowsPerStep: 2 }),
    );
    tfjs.forEach((loss, i) => {
      expect(Math.abs((onnx[i] as number) - loss), `step ${i + 1}`).toBeLessThan(CURVE_TOLERANCE);
    });
    // MLM + NSP: more than the NSP term alone (ln 2 at chance) and finite.
    expect(tfjs[0]).toBeGreaterThan(Math.log(2));
  });

  it('starts the ONNX engine from a masked-LM checkpoint by initialising the pooler and NSP head, and says so', async () => {
    const warnings: string[] = [];
    const engine = await createOnnxEngine({
      modelDir: join(root, 'model'),
      ...settings,
      rowsPerStep: 1,
      onWarning: (line) => warnings.push(line),
    });
    const result = await engine.trainStep({ rows: [sequences.slice(0, 4)], tokens: 0, sequences: 4 }, 5e-4);
    engine.dispose();
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(warnings.join('\n')).toMatch(/bert\.pooler\.dense\.weight.*cls\.seq_relationship\.weight/);
  });
});
