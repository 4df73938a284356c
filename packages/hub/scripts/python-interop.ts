// Checks that bcmb and Python huggingface_hub share one cache, against the loopback hub of the tests:
//   A. Python downloads a model, then resolveModel finds it with no request;
//   B. resolveModel downloads it, then Python finds every file with local_files_only=True (and the absent ones
//      through bcmb's .no_exist markers), and scan_cache_dir reports no warning.
// Usage: HF_PYTHON=/path/to/python-with-huggingface_hub tsx scripts/python-interop.ts
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveModel } from '../src/index.js';
import { FakeHub, fixtureFiles } from '../test/hub-server.js';

const repoId = 'bcmb-test/tiny-modernbert-mlm';
const present = [
  'config.json',
  'model.safetensors',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];
const absent = ['vocab.txt', 'vocab.json', 'merges.txt', 'model.safetensors.index.json'];
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const hub = await FakeHub.start({
  [repoId]: {
    refs: { main: '1f0c3a5e9b7d2c4a6e8f0a1b3c5d7e9f1a2b3c4d' },
    files: {
      ...fixtureFiles('tiny-modernbert-mlm'),
      'tokenizer.json': json({ version: '1.0' }),
      'tokenizer_config.json': json({ model_max_length: 8192 }),
      'special_tokens_map.json': json({ cls_token: '[CLS]' }),
    },
  },
});
const python = async (mode: 'download' | 'read', cache: string) => {
  const script = new URL('python-interop.py', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(
    process.env.HF_PYTHON ?? 'python3',
    [script, mode, repoId, cache, ...present, ...absent],
    {
      env: { ...process.env, HF_ENDPOINT: hub.endpoint, HF_HUB_DISABLE_TELEMETRY: '1', HF_HUB_OFFLINE: '' },
    },
  );
  return JSON.parse(stdout) as { files: Record<string, string | null>; warnings: string[] };
};
const caches: string[] = [];
let failures = 0;
const check = (claim: string, ok: boolean) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${claim}`);
  if (!ok) failures++;
};

try {
  const a = await mkdtemp(join(tmpdir(), 'bcmb-interop-a-'));
  const b = await mkdtemp(join(tmpdir(), 'bcmb-interop-b-'));
  caches.push(a, b);

  await python('download', a);
  const from = hub.requests.length;
  const model = await resolveModel(repoId, { cacheDir: a, endpoint: hub.endpoint });
  check(
    'A: a cache Python filled is used by bcmb with no request',
    model.source === 'cache' && hub.requests.length === from,
  );

  await resolveModel(repoId, { cacheDir: b, endpoint: hub.endpoint });
  const before = hub.requests.length;
  const seen = await python('read', b);
  check(
    'B: Python finds every file bcmb downloaded, offline',
    present.every((file) => typeof seen.files[file] === 'string'),
  );
  check(
    'B: Python reads bcmb .no_exist markers as known-absent files',
    absent.every((file) => seen.files[file] === null),
  );
  check(
    'B: scan_cache_dir has no warning and Python made no request',
    seen.warnings.length === 0 && hub.requests.length === before,
  );
} finally {
  await hub.close();
  for (const cache of caches) await rm(cache, { recursive: true, force: true });
}
process.exitCode = failures === 0 ? 0 : 1;
