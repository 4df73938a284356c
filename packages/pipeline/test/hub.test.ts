/**
 * Hub ids: `pipeline(task, 'org/name')` downloads into the Hugging Face cache from a loopback hub (never the
 * network), honours revision and token, reports progress, and then runs from the cache offline with the hub gone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubAccessError, HubCacheMissError } from '@bcmb/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, fixtureFiles } from '../../hub/test/hub-server.js';
import { type EntityGroup, pipeline } from '../src/index.js';
import { tinyModelDir, tinyTokenizerDir } from '../src/testing/tiny-models.js';

const MAIN = '5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d';
const V1 = '6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e';
const PRIVATE = '7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f';
const NER = 'bcmb-test/tiny-clinical-ner';
const EMBEDDER = 'bcmb-test/tiny-private-embedder';
const TEXT = 'Patient denies chest pain; CT scan 🙂 shows mass.';

function filesOf(dir: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(dir).map((file) => [file, readFileSync(join(dir, file))]));
}

let hub: FakeHub;
let cacheDir: string;
let localDir: string;
beforeAll(async () => {
  const tokenizer = filesOf(tinyTokenizerDir('tiny-bert-tokcls'));
  hub = await FakeHub.start({
    [NER]: {
      refs: { main: MAIN, v1: V1 },
      files: { ...fixtureFiles('tiny-bert-tokcls'), ...tokenizer, 'README.md': Buffer.from('# tiny\n') },
    },
    [EMBEDDER]: {
      refs: { main: PRIVATE },
      files: { ...fixtureFiles('tiny-modernbert-mlm'), ...filesOf(tinyTokenizerDir('tiny-modernbert-mlm')) },
      access: { kind: 'token', token: 'hf_secret' },
    },
  });
  cacheDir = await mkdtemp(join(tmpdir(), 'bcmb-pipeline-hub-'));
  localDir = tinyModelDir('tiny-bert-tokcls');
});
afterAll(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
  await rm(localDir, { recursive: true, force: true });
});

describe('pipeline() with a hub id', () => {
  it('downloads into the cache with progress, then answers as the same model from a local folder', async () => {
    const progress: string[] = [];
    const ner = await pipeline('token-classification', NER, {
      endpoint: hub.endpoint,
      cacheDir,
      aggregationStrategy: 'simple',
      onDownloadProgress: (p) => progress.push(p.file),
    });
    const local = await pipeline('token-classification', localDir, { aggregationStrategy: 'simple' });
    try {
      expect((await ner(TEXT)) as EntityGroup[]).toEqual(await local(TEXT));
      expect(progress).toContain('pytorch_model.bin');
      expect(readdirSync(join(cacheDir, 'models--bcmb-test--tiny-clinical-ner', 'snapshots'))).toEqual([
        MAIN,
      ]);
    } finally {
      await ner.dispose();
      await local.dispose();
    }
  });

  it('runs offline from the cache with the hub unreachable: zero requests', async () => {
    const before = hub.requests.length;
    const ner = await pipeline('token-classification', NER, {
      endpoint: 'http://127.0.0.1:9',
      cacheDir,
      offline: true,
      ignoreLabels: [],
    });
    try {
      expect(((await ner(TEXT)) as unknown[]).length).toBeGreaterThan(5);
    } finally {
      await ner.dispose();
    }
    expect(hub.requests.length).toBe(before);
    await expect(
      pipeline('token-classification', 'bcmb-test/never-downloaded', { cacheDir, offline: true }),
    ).rejects.toThrow(HubCacheMissError);
  });

  it('pins a revision: v1 resolves to its own commit in the cache', async () => {
    const ner = await pipeline('token-classification', NER, {
      endpoint: hub.endpoint,
      cacheDir,
      revision: 'v1',
      ignoreLabels: [],
    });
    try {
      expect(((await ner(TEXT)) as unknown[]).length).toBeGreaterThan(5);
    } finally {
      await ner.dispose();
    }
    const repo = join(cacheDir, 'models--bcmb-test--tiny-clinical-ner');
    expect(readFileSync(join(repo, 'refs', 'v1'), 'utf8')).toBe(V1);
    expect(readdirSync(join(repo, 'snapshots')).sort()).toEqual([MAIN, V1].sort());
  });

  it('sends the token to a private repository and fails with an access error without it', async () => {
    await expect(
      pipeline('feature-extraction', EMBEDDER, { endpoint: hub.endpoint, cacheDir, token: 'hf_wrong' }),
    ).rejects.toThrow(HubAccessError);
    const embed = await pipeline('feature-extraction', EMBEDDER, {
      endpoint: hub.endpoint,
      cacheDir,
      token: 'hf_secret',
      normalize: true,
    });
    try {
      const [vector] = await embed([TEXT]);
      expect(vector).toHaveLength(64);
      expect(Math.hypot(...(vector as Float32Array))).toBeCloseTo(1, 5);
    } finally {
      await embed.dispose();
    }
  });
});
