import { afterAll, describe, expect, it } from 'vitest';
import { padBatch, planBatches, runSequences, type Sequence } from './batching.js';
import { exportModelDir } from './export-files.js';
import { OnnxSession, onnxRuntimeAvailable } from './runtime.js';
import { forwardReference, maxDiffRealTokens, modelDir, type RefInput } from './testing/fixtures.js';

describe('planBatches', () => {
  it('sorts by length, longest first, and pads each batch only to its own longest member', () => {
    const lengths = [5, 40, 7, 39, 6, 38];
    const batches = planBatches(lengths, { batchSize: 2 });
    expect(batches).toEqual([
      { indices: [1, 3], seqLen: 40 },
      { indices: [5, 2], seqLen: 38 },
      { indices: [4, 0], seqLen: 6 },
    ]);
    const padded = batches.reduce((n, b) => n + b.seqLen * b.indices.length, 0);
    const unsorted = planBatches(lengths, { batchSize: 2, sortByLength: false });
    const paddedUnsorted = unsorted.reduce((n, b) => n + b.seqLen * b.indices.length, 0);
    expect(padded).toBeLessThan(paddedUnsorted);
  });

  it('keeps input order when asked and breaks equal lengths by position', () => {
    expect(planBatches([3, 1, 2], { batchSize: 2, sortByLength: false }).map((b) => b.indices)).toEqual([
      [0, 1],
      [2],
    ]);
    expect(planBatches([4, 4, 4], { batchSize: 2 }).map((b) => b.indices)).toEqual([[0, 1], [2]]);
  });

  it('caps padded tokens per batch with maxTokens but always runs a longer sequence alone', () => {
    const batches = planBatches([8192, 300, 200, 100], { batchSize: 8, maxTokens: 600 });
    expect(batches.map((b) => b.indices)).toEqual([[0], [1, 2], [3]]);
  });
});

describe('padBatch', () => {
  it('right-pads ids with 0 and masks the padding', () => {
    const sequences: Sequence[] = [{ inputIds: [5, 6, 7] }, { inputIds: [8], tokenTypeIds: [1] }];
    const batch = padBatch(sequences, { indices: [0, 1], seqLen: 3 });
    expect(Array.from(batch.inputIds)).toEqual([5, 6, 7, 8, 0, 0]);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(batch.tokenTypeIds ?? [])).toEqual([0, 0, 0, 1, 0, 0]);
  });
});

const runtime = await onnxRuntimeAvailable();
describe.skipIf(runtime !== true)('runSequences', () => {
  const sessions: OnnxSession[] = [];
  afterAll(async () => {
    for (const session of sessions) await session.release();
  });

  it('returns each sequence in input order, cut to its real tokens, matching the transformers reference', async () => {
    const reference = forwardReference('modernbert');
    const input = reference.inputs['batch_a'] as RefInput;
    const expected = reference.checkpoints['tiny-modernbert-tokcls']?.by_input?.['batch_a'];
    const session = await OnnxSession.create(await exportModelDir(modelDir('tiny-modernbert-tokcls')));
    sessions.push(session);
    const [B, L] = input.input_ids.shape as [number, number];
    const sequences: Sequence[] = [];
    for (let b = 0; b < B; b++) {
      const mask = input.attention_mask.data.slice(b * L, (b + 1) * L) ?? [];
      const length = mask.filter((m) => m === 1).length;
      sequences.push({ inputIds: input.input_ids.data.slice(b * L, b * L + length) ?? [] });
    }
    const outputs = await runSequences(session, sequences, { batchSize: 2 });
    const C = expected?.logits?.shape[2] as number;
    outputs.forEach((output, b) => {
      const length = sequences[b]?.inputIds.length as number;
      expect(output['logits']?.length).toBe(length * C);
      const want = expected?.logits?.data.slice(b * L * C, (b * L + length) * C) ?? [];
      expect(maxDiffRealTokens(output['logits'] ?? [], want, undefined, C)).toBeLessThan(1e-4);
    });
  });
});
