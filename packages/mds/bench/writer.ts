/**
 * MdsWriter and MdsDataset throughput: BENCH_MB megabytes (default 1024) of `ndarray:uint16` samples of 8192 tokens
 * (the research convert_dataset_to_mds.py layout), written with the default 64 MiB shard limit (BENCH_COMPRESSION=zstd
 * to compress, BENCH_HASHES=sha1,xxh3_64 to hash), then read back in order. Prints MB/s and peak RSS.
 *   TSX_TSCONFIG_PATH=packages/mds/tsconfig.json pnpm tsx packages/mds/bench/writer.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MdsDataset, MdsWriter } from '../src/index.js';

const MB = 1e6;
const targetBytes = Number(process.env.BENCH_MB ?? 1024) * MB;
const compression = process.env.BENCH_COMPRESSION ?? null;
const hashes = process.env.BENCH_HASHES ? process.env.BENCH_HASHES.split(',') : [];
const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'bcmb-mds-bench-'));
try {
  const sample = new Uint16Array(8192);
  for (let i = 0; i < sample.length; i++) sample[i] = (i * 7919) % 50368;
  const writer = await MdsWriter.create({
    out: dir,
    columns: { input_ids: 'ndarray:uint16' },
    compression,
    hashes,
  });
  let bytes = 0;
  let started = performance.now();
  while (bytes < targetBytes) {
    sample[0] = bytes % 50000;
    await writer.write({ input_ids: sample });
    bytes += sample.byteLength;
  }
  const index = await writer.finish();
  const writeSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const dataset = await MdsDataset.open(dir);
  let read = 0;
  for await (const s of dataset.samples()) read += (s.input_ids as { data: Uint16Array }).data.byteLength;
  const readSeconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      bench: 'mds',
      payloadMB: +(bytes / MB).toFixed(1),
      shards: index.shards.length,
      compression,
      hashes,
      writeMBperSecond: +(bytes / MB / writeSeconds).toFixed(1),
      readMBperSecond: +(read / MB / readSeconds).toFixed(1),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
