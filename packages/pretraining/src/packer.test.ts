import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GreedyBestFitPacker } from './packer.js';

// Produced by a numpy transcription of ModernBERT's GreedyBestFitSequencePacker._create_batch / _fill_buffer
// (the generator is kept outside the repo): 60 sequences of 1..12 tokens, incoming batches of 6, 3 rows of 16, buffer 30.
const reference = JSON.parse(
  readFileSync(new URL('../fixtures/greedy_best_fit_reference.json', import.meta.url), 'utf8'),
) as {
  lengths: number[];
  src_batch_size: number;
  out_batch_size: number;
  out_pseq_len: number;
  buffer_size: number;
  pad: number;
  batches: { ids: number[][]; cu: number[][] }[];
};

function* incoming(): Generator<Int32Array[]> {
  const seqs: Int32Array[] = [];
  let next = 1;
  for (const length of reference.lengths) {
    seqs.push(Int32Array.from({ length }, (_, i) => next + i));
    next += length;
  }
  for (let i = 0; i < seqs.length; i += reference.src_batch_size)
    yield seqs.slice(i, i + reference.src_batch_size);
}

describe('GreedyBestFitPacker', () => {
  it('packs rows, cu_seqlens and the end of the epoch exactly like ModernBERT GreedyBestFitSequencePacker', async () => {
    const packer = new GreedyBestFitPacker(incoming(), {
      srcBatchSize: reference.src_batch_size,
      outBatchSize: reference.out_batch_size,
      outPseqLen: reference.out_pseq_len,
      bufferSize: reference.buffer_size,
      padTokenId: reference.pad,
    });
    const batches: { ids: number[][]; cu: number[][] }[] = [];
    for (;;) {
      const batch = await packer.next();
      if (batch === null) break;
      const rows = Array.from({ length: batch.rows }, (_, r) =>
        Array.from(batch.ids.subarray(r * batch.rowLength, (r + 1) * batch.rowLength)),
      );
      batches.push({ ids: rows, cu: batch.cuSeqlens });
    }
    expect(batches).toEqual(reference.batches);
  });
});
