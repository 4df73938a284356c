import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MdsDataset, type NdArray } from '@bcmb/mds';
import { loadTokenizer } from '@bcmb/tokenizer';
import { demoAssets } from '@bcmb/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareClinicalBert } from './clinicalbert-data.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bcmb-clinicalbert-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepareClinicalBert', () => {
  it('writes BERT pre-training instances (MLM + NSP features) to MDS, padded like write_instance_to_example_files', async () => {
    const csv = join(dir, 'notes.csv');
    const sentence = 'We found that @CHEMICAL$ induces @GENE$ .';
    const notes = Array.from(
      { length: 6 },
      (_, i) => `${i},"HISTORY: ${sentence} ${sentence}\nPLAN: ${sentence}"`,
    );
    await writeFile(csv, `note_id,notes\n${notes.join('\n')}\n`);
    const tokenizer = await loadTokenizer(demoAssets().modelDir, { warn: () => {} });
    const result = await prepareClinicalBert({
      csv,
      out: join(dir, 'mds'),
      tokenizer,
      maxSeqLength: 32,
      maxPredictionsPerSeq: 5,
      progress: false,
      log: () => {},
    });
    expect(result.notes).toBe(6);
    expect(result.instances).toBeGreaterThan(6);
    const dataset = await MdsDataset.open(join(dir, 'mds'));
    expect(dataset.size).toBe(result.instances);
    const sample = await dataset.get(0);
    const ids = Array.from((sample.input_ids as NdArray).data as Int32Array);
    const mask = Array.from((sample.input_mask as NdArray).data as Int32Array);
    expect(ids.length).toBe(32);
    expect(ids[0]).toBe(tokenizer.tokenToId('[CLS]'));
    const real = mask.filter((m) => m === 1).length;
    expect(ids.slice(real).every((id) => id === 0)).toBe(true);
    expect(ids[real - 1]).toBe(tokenizer.tokenToId('[SEP]'));
    const weights = Array.from((sample.masked_lm_weights as NdArray).data as Float32Array);
    expect(weights.length).toBe(5);
    expect([0, 1]).toContain(sample.next_sentence_labels);
  });
});
