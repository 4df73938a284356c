import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decompress } from 'fzstd';
import { afterEach, describe, expect, it } from 'vitest';
import { MdsEncodeError } from './errors.js';
import { type ExpectedSamples, FIXTURES, fixtureJson } from './test-fixtures.js';
import { MdsWriter, type MdsWriterOptions } from './writer.js';

const { samples } = fixtureJson<ExpectedSamples>('expected_samples.json');
const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function writeVariant(options: Omit<MdsWriterOptions, 'out' | 'columns'>): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'bcmb-mds-'));
  temps.push(out);
  const writer = await MdsWriter.create({
    out,
    columns: { input_ids: 'ndarray:uint16' },
    existOk: true,
    ...options,
  });
  for (const ids of samples) await writer.write({ input_ids: Uint16Array.from(ids) });
  await writer.finish();
  return out;
}

async function expectSameFiles(out: string, fixture: string): Promise<void> {
  const expected = (await readdir(join(FIXTURES, fixture))).sort();
  expect((await readdir(out)).sort()).toEqual(expected);
  for (const name of expected) {
    const ours = await readFile(join(out, name));
    const theirs = await readFile(join(FIXTURES, fixture, name));
    expect(ours.equals(theirs), name).toBe(true);
  }
}

describe('MdsWriter', () => {
  it('writes the default convert_dataset_to_mds.py shard and index.json byte for byte', async () => {
    await expectSameFiles(await writeVariant({}), 'default/synthetic');
  });

  it('splits shards at size_limit=2048 exactly like streaming.MDSWriter (11 shards, identical bytes)', async () => {
    await expectSameFiles(await writeVariant({ sizeLimit: 2048 }), 'small_raw');
  });

  it('writes md5, sha1 and xxh64 hashes and the "3kb" size limit byte for byte', async () => {
    await expectSameFiles(
      await writeVariant({ sizeLimit: '3kb', hashes: ['md5', 'sha1', 'xxh64'] }),
      'small_raw_hashes',
    );
  });

  it('writes zstd shards that decompress to the raw shard the index describes (sha1, xxh3_64 of raw bytes exact)', async () => {
    const out = await writeVariant({ sizeLimit: 2048, compression: 'zstd', hashes: ['sha1', 'xxh3_64'] });
    const ours = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    const theirs = JSON.parse(await readFile(join(FIXTURES, 'small_zstd', 'index.json'), 'utf8'));
    expect(ours.shards.length).toBe(theirs.shards.length);
    for (let i = 0; i < ours.shards.length; i++) {
      const { zip_data: ourZip, ...ourRest } = ours.shards[i];
      const { zip_data: theirZip, ...theirRest } = theirs.shards[i];
      expect(ourRest).toEqual(theirRest);
      expect(ourZip.basename).toBe(theirZip.basename);
      const ourRaw = decompress(await readFile(join(out, ourZip.basename)));
      const theirRaw = decompress(await readFile(join(FIXTURES, 'small_zstd', theirZip.basename)));
      expect(Buffer.from(ourRaw).equals(Buffer.from(theirRaw))).toBe(true);
    }
    expect((await readdir(out)).filter((name) => name.endsWith('.mds'))).toEqual([]);
  });

  it('refuses unsorted hash lists and unknown encodings with a typed error', async () => {
    await expect(
      MdsWriter.create({ out: join(tmpdir(), 'never'), columns: { x: 'str' }, hashes: ['xxh64', 'md5'] }),
    ).rejects.toBeInstanceOf(MdsEncodeError);
    await expect(MdsWriter.create({ out: join(tmpdir(), 'never'), columns: { x: 'pkl' } })).rejects.toThrow(
      /Unsupported MDS encoding "pkl"/,
    );
  });

  it('refuses a non-empty output folder unless existOk', async () => {
    const out = await writeVariant({});
    await expect(MdsWriter.create({ out, columns: { x: 'str' } })).rejects.toThrow(/not empty/);
  });
});
