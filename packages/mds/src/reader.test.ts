import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MdsFormatError } from './errors.js';
import type { NdArray } from './ndarray.js';
import { MdsDataset } from './reader.js';
import { type ExpectedSamples, FIXTURES, fixtureJson } from './test-fixtures.js';

const { samples } = fixtureJson<ExpectedSamples>('expected_samples.json');
const decoded = fixtureJson<{ samples: Record<string, unknown>[] }>('encodings_decoded.json').samples;

const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'object' && value !== null && 'dtype' in value && 'data' in value) {
    const array = value as NdArray;
    return {
      dtype: array.dtype,
      shape: array.shape,
      values: Array.from(array.data as ArrayLike<number>, Number),
    };
  }
  return value;
}

describe('MdsDataset', () => {
  it.each(['default/synthetic', 'small_raw', 'small_raw_hashes', 'small_zstd'])(
    'reads every sample of %s in order, as the real StreamingDataset does (hashes verified)',
    async (variant) => {
      const dataset = await MdsDataset.open(join(FIXTURES, variant));
      expect(dataset.size).toBe(250);
      const read: number[][] = [];
      for await (const sample of dataset.samples()) {
        const ids = sample.input_ids as NdArray;
        expect(ids.dtype).toBe('uint16');
        read.push(Array.from(ids.data as Uint16Array));
      }
      expect(read).toEqual(samples);
      const last = (await dataset.get(249)).input_ids as NdArray;
      expect(Array.from(last.data as Uint16Array)).toEqual(samples[249]);
      const middle = (await dataset.get(123)).input_ids as NdArray;
      expect(Array.from(middle.data as Uint16Array)).toEqual(samples[123]);
    },
  );

  it('decodes str, bytes, int, json, uint32, dynamic ndarray, ndarray:int32:2,3 and ndarray:uint32 exactly as MDSReader', async () => {
    const dataset = await MdsDataset.open(join(FIXTURES, 'encodings'));
    const ours: Record<string, unknown>[] = [];
    for await (const sample of dataset.samples()) {
      ours.push(Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, plain(v)])));
    }
    expect(ours).toEqual(decoded);
  });

  it('rejects a shard whose bytes fail the sha1 recorded in index.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-mds-'));
    temps.push(dir);
    await cp(join(FIXTURES, 'small_raw_hashes'), dir, { recursive: true });
    const shard = readFileSync(join(dir, 'shard.00006.mds'));
    shard.writeUInt8(shard.readUInt8(shard.length - 1) ^ 1, shard.length - 1);
    await writeFile(join(dir, 'shard.00006.mds'), shard);
    const dataset = await MdsDataset.open(dir);
    await expect(dataset.get(0)).resolves.toBeDefined();
    const error = await dataset.get(249).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MdsFormatError);
    expect(String((error as Error).message)).toMatch(/fails its md5 check.*shard\.00006\.mds/);
    const unchecked = await MdsDataset.open(dir, { verifyHashes: false });
    await expect(unchecked.get(249)).resolves.toBeDefined();
  });

  it('names the missing index.json with a fix hint', async () => {
    await expect(MdsDataset.open(join(FIXTURES, 'nope'))).rejects.toThrow(/No MDS index\.json found.*nope/);
  });
});
