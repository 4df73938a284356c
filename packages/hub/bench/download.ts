// Times resolveModel against the loopback hub of the tests: a cold download (HEAD + GET + sha256 check + rename),
// a warm cache hit, and an offline hit. Prints figures; asserts nothing.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveModel } from '../src/index.js';
import { FakeHub, fixtureFiles } from '../test/hub-server.js';

const WEIGHTS_MB = Number(process.env.BENCH_WEIGHTS_MB ?? 64);
const COMMIT = '5d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e';
const repoId = 'bcmb-bench/large';

const hub = await FakeHub.start({
  [repoId]: {
    refs: { main: COMMIT },
    files: {
      'config.json': fixtureFiles('tiny-modernbert-mlm')['config.json'] as Buffer,
      'model.safetensors': randomBytes(WEIGHTS_MB * 1024 * 1024),
    },
  },
});
const cacheDir = await mkdtemp(join(tmpdir(), 'bcmb-hub-bench-'));
const time = async (label: string, run: () => Promise<unknown>) => {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  return { label, ms };
};

try {
  const options = { cacheDir, endpoint: hub.endpoint };
  const rows = [
    await time('cold download', () => resolveModel(repoId, options)),
    await time('warm cache hit', () => resolveModel(repoId, options)),
    await time('offline cache hit', () => resolveModel(repoId, { ...options, offline: true })),
    await time('cache hit + verify (sha256)', () => resolveModel(repoId, { ...options, verify: true })),
  ];
  console.log(
    `resolveModel, ${WEIGHTS_MB} MiB model.safetensors over 127.0.0.1 (${hub.requests.length} requests in all)`,
  );
  for (const { label, ms } of rows) {
    const rate =
      label === 'cold download' || label.includes('verify')
        ? `  ${(WEIGHTS_MB / (ms / 1000)).toFixed(0)} MiB/s`
        : '';
    console.log(`${label.padEnd(30)} ${ms.toFixed(1).padStart(9)} ms${rate}`);
  }
} finally {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
}
