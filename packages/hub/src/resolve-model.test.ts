import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeHub, FIXTURE_MODELS, fixtureFiles, gitBlobId, sha256 } from '../test/hub-server.js';
import {
  HubAccessError,
  HubCacheMissError,
  HubCorruptCacheError,
  HubDiskFullError,
  HubNetworkError,
  HubNotFoundError,
  HubProtocolError,
  resolveModel,
} from './index.js';

const MAIN = '1f0c3a5e9b7d2c4a6e8f0a1b3c5d7e9f1a2b3c4d';
const V1 = '2a1b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const BERT_MAIN = '3b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c';
const SHARDED_MAIN = '4c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d';

const MODERNBERT = 'bcmb-test/tiny-modernbert-mlm';
const BERT = 'bcmb-test/tiny-bert-seqcls';
const SHARDED = 'bcmb-test/tiny-sharded';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const modernbert = fixtureFiles('tiny-modernbert-mlm');
const bert = fixtureFiles('tiny-bert-seqcls');
const fastTokenizer = {
  'tokenizer.json': json({ version: '1.0', model: { type: 'BPE', vocab: {}, merges: [] } }),
  'tokenizer_config.json': json({ tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: 8192 }),
  'special_tokens_map.json': json({ cls_token: '[CLS]', sep_token: '[SEP]' }),
};
const shards = {
  'model-00001-of-00002.safetensors': modernbert['model.safetensors'] as Buffer,
  'model-00002-of-00002.safetensors': fixtureFiles('tiny-bert-mlm')['model.safetensors'] as Buffer,
};

let hub: FakeHub;
let cacheDir: string;

beforeAll(async () => {
  hub = await FakeHub.start({
    [MODERNBERT]: {
      refs: { main: MAIN, v1: V1 },
      files: { ...modernbert, ...fastTokenizer, 'README.md': Buffer.from('# tiny\n') },
    },
    [BERT]: {
      refs: { main: BERT_MAIN },
      files: {
        ...bert,
        'vocab.txt': Buffer.from('[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'),
        'tokenizer_config.json': json({ do_lower_case: false }),
      },
    },
    [SHARDED]: {
      refs: { main: SHARDED_MAIN },
      files: {
        'config.json': modernbert['config.json'] as Buffer,
        'model.safetensors.index.json': json({
          metadata: { total_size: 0 },
          weight_map: {
            'a.weight': 'model-00001-of-00002.safetensors',
            'b.weight': 'model-00002-of-00002.safetensors',
            'c.weight': 'model-00001-of-00002.safetensors',
          },
        }),
        ...shards,
        'pytorch_model.bin': modernbert['pytorch_model.bin'] as Buffer,
      },
    },
    'bcmb-test/private': {
      refs: { main: MAIN },
      files: { ...bert },
      access: { kind: 'token', token: 'hf_private_reader' },
    },
    'bcmb-test/gated': {
      refs: { main: MAIN },
      files: { ...bert },
      access: { kind: 'gated', token: 'hf_gated_reader' },
    },
  });
});

afterAll(async () => {
  await hub.close();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'bcmb-hub-'));
  // Keep the developer's own settings out of the tests.
  for (const name of ['HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'HF_TOKEN', 'HF_ENDPOINT', 'HF_HUB_CACHE'])
    vi.stubEnv(name, '');
  vi.stubEnv('HF_TOKEN_PATH', join(cacheDir, 'no-token'));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(cacheDir, { recursive: true, force: true });
});

const online = (extra: Parameters<typeof resolveModel>[1] = {}) => ({
  cacheDir,
  endpoint: hub.endpoint,
  ...extra,
});
const repoFolder = (repoId: string) => join(cacheDir, `models--${repoId.replace('/', '--')}`);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
}

describe('resolveModel against a hub on 127.0.0.1', () => {
  it('downloads config, safetensors weights and tokenizer files into an empty cache in huggingface_hub layout', async () => {
    const from = hub.requests.length;
    const model = await resolveModel(MODERNBERT, online());

    const folder = repoFolder(MODERNBERT);
    expect(model).toEqual({
      dir: join(folder, 'snapshots', MAIN),
      source: 'download',
      repoId: MODERNBERT,
      commit: MAIN,
      files: [
        'config.json',
        'model.safetensors',
        'tokenizer_config.json',
        'special_tokens_map.json',
        'tokenizer.json',
      ],
    });
    expect(await readFile(join(folder, 'refs', 'main'), 'utf8')).toBe(MAIN);
    for (const file of model.files) {
      const data = { ...modernbert, ...fastTokenizer }[file] as Buffer;
      const etag = file.endsWith('.safetensors') ? sha256(data) : gitBlobId(data);
      const pointer = join(model.dir, file);
      expect((await lstat(pointer)).isSymbolicLink()).toBe(true);
      expect(await readlink(pointer)).toBe(`../../blobs/${etag}`);
      expect((await readFile(pointer)).equals(data)).toBe(true);
    }
    // pytorch_model.bin is skipped when safetensors exist; README is not a model file.
    expect(existsSync(join(model.dir, 'pytorch_model.bin'))).toBe(false);
    expect(
      hub
        .since(from)
        .some((request) => request.path.endsWith('pytorch_model.bin') || request.path.endsWith('README.md')),
    ).toBe(false);
    // Known-absent tokenizer files are recorded the way huggingface_hub records a 404.
    for (const file of ['vocab.txt', 'vocab.json', 'merges.txt', 'model.safetensors.index.json']) {
      expect(existsSync(join(folder, '.no_exist', MAIN, file))).toBe(true);
    }
    // The LFS file came through the CDN redirect, the token-less way.
    expect(
      hub
        .since(from)
        .filter((request) => request.path.startsWith('/cdn/'))
        .map((request) => request.method),
    ).toEqual(['GET']);
  });

  it('makes no request on the second resolve of the same model', async () => {
    await resolveModel(MODERNBERT, online());
    const from = hub.requests.length;
    const again = await resolveModel(MODERNBERT, online());
    expect(again.source).toBe('cache');
    expect(again.commit).toBe(MAIN);
    expect(hub.since(from)).toEqual([]);
  });

  it('reuses blobs across revisions and writes refs/<branch> for a second branch', async () => {
    await resolveModel(MODERNBERT, online());
    const from = hub.requests.length;
    const v1 = await resolveModel(MODERNBERT, online({ revision: 'v1' }));
    expect(v1.dir).toBe(join(repoFolder(MODERNBERT), 'snapshots', V1));
    expect(v1.source).toBe('cache');
    expect(await readFile(join(repoFolder(MODERNBERT), 'refs', 'v1'), 'utf8')).toBe(V1);
    expect(
      hub.since(from).some((request) => request.method === 'GET' && !request.path.startsWith('/api/')),
    ).toBe(false);
  });

  it('resolves a commit id without writing a ref and then answers from its snapshot offline', async () => {
    const model = await resolveModel(MODERNBERT, online({ revision: V1 }));
    expect(model.commit).toBe(V1);
    expect(existsSync(join(repoFolder(MODERNBERT), 'refs'))).toBe(false);
    const offline = await resolveModel(MODERNBERT, online({ revision: V1, offline: true }));
    expect(offline.dir).toBe(model.dir);
  });

  it('takes pytorch_model.bin when the repo has no safetensors, and remembers the absence for the next run', async () => {
    const model = await resolveModel(BERT, online());
    expect(model.files).toEqual(['config.json', 'pytorch_model.bin', 'tokenizer_config.json', 'vocab.txt']);
    expect(existsSync(join(repoFolder(BERT), '.no_exist', BERT_MAIN, 'model.safetensors'))).toBe(true);
    const from = hub.requests.length;
    expect((await resolveModel(BERT, online())).source).toBe('cache');
    expect(hub.since(from)).toEqual([]);
  });

  it('honours a sharded safetensors index by fetching each shard once, and not the .bin', async () => {
    const model = await resolveModel(SHARDED, online());
    expect(model.files).toEqual(['config.json', 'model.safetensors.index.json', ...Object.keys(shards)]);
    for (const [file, data] of Object.entries(shards))
      expect((await readFile(join(model.dir, file))).equals(data)).toBe(true);
    expect(existsSync(join(model.dir, 'pytorch_model.bin'))).toBe(false);
    const from = hub.requests.length;
    expect((await resolveModel(SHARDED, online())).source).toBe('cache');
    expect(hub.since(from)).toEqual([]);
  });

  it('follows the hub redirect of a renamed repo, keeping the cache folder of the id asked for', async () => {
    hub.renames['bcmb-test/old-name'] = BERT;
    const model = await resolveModel('bcmb-test/old-name', online());
    expect(model.dir).toBe(join(repoFolder('bcmb-test/old-name'), 'snapshots', BERT_MAIN));
    expect(
      (await readFile(join(model.dir, 'pytorch_model.bin'))).equals(bert['pytorch_model.bin'] as Buffer),
    ).toBe(true);
  });

  it('fetches only the files asked for with `files`', async () => {
    const model = await resolveModel(MODERNBERT, online({ files: ['config.json'] }));
    expect(model.files).toEqual(['config.json']);
    expect(existsSync(join(model.dir, 'model.safetensors'))).toBe(false);
  });
});

describe('offline mode', () => {
  it('serves a warm cache with HF_HUB_OFFLINE=1 and no request', async () => {
    await resolveModel(MODERNBERT, online());
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const from = hub.requests.length;
    const model = await resolveModel(MODERNBERT, online());
    expect(model.source).toBe('cache');
    expect(hub.since(from)).toEqual([]);
  });

  it('fails on a cold cache naming the missing ref, without any request', async () => {
    const from = hub.requests.length;
    const error = await rejection(resolveModel(MODERNBERT, online({ offline: true })));
    expect(error).toBeInstanceOf(HubCacheMissError);
    expect(error.message).toContain('missing refs/main');
    expect(error.message).toContain('Run once online');
    expect(hub.since(from)).toEqual([]);
  });

  it('names the weights file when only the config is cached', async () => {
    await resolveModel(MODERNBERT, online({ files: ['config.json'] }));
    const error = await rejection(resolveModel(MODERNBERT, online({ offline: true })));
    expect(error).toBeInstanceOf(HubCacheMissError);
    expect((error as HubCacheMissError).missing).toEqual(['model.safetensors']);
    expect(error.message).toContain('model.safetensors (or model.safetensors.index.json, pytorch_model.bin');
  });
});

/**
 * Writes what `AutoModel.from_pretrained` + `AutoTokenizer.from_pretrained` leave behind: blobs named by etag,
 * relative symlinks in snapshots/<commit>, refs/main, and .no_exist markers for the files that answered 404.
 */
async function writePythonCache(
  repoId: string,
  commit: string,
  files: Record<string, Buffer>,
  absent: string[],
): Promise<string> {
  const folder = repoFolder(repoId);
  await mkdir(join(folder, 'blobs'), { recursive: true });
  await mkdir(join(folder, 'snapshots', commit), { recursive: true });
  for (const [file, data] of Object.entries(files)) {
    const etag = file.endsWith('.bin') ? sha256(data) : gitBlobId(data);
    await writeFile(join(folder, 'blobs', etag), data);
    await symlink(`../../blobs/${etag}`, join(folder, 'snapshots', commit, file));
  }
  await mkdir(join(folder, '.no_exist', commit), { recursive: true });
  for (const file of absent) await writeFile(join(folder, '.no_exist', commit, file), '');
  await mkdir(join(folder, 'refs'));
  await writeFile(join(folder, 'refs', 'main'), commit);
  return join(folder, 'snapshots', commit);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('a cache written by Python huggingface_hub', () => {
  const repoId = 'emilyalsentzer/Bio_ClinicalBERT';
  const commit = '9a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
  const files = { ...bert, 'vocab.txt': Buffer.from('[PAD]\n[UNK]\n'), 'tokenizer_config.json': json({}) };

  it('is read without any request', async () => {
    const absent = [
      'model.safetensors',
      'model.safetensors.index.json',
      'tokenizer.json',
      'special_tokens_map.json',
      'added_tokens.json',
    ];
    const dir = await writePythonCache(repoId, commit, files, absent);
    const from = hub.requests.length;
    const model = await resolveModel(repoId, online({ verify: true }));
    expect(model).toEqual({
      dir,
      source: 'cache',
      repoId,
      commit,
      files: ['config.json', 'pytorch_model.bin', 'tokenizer_config.json', 'vocab.txt'],
    });
    expect(hub.since(from)).toEqual([]);
  });

  it('is used as it is when the hub cannot be reached, even without the markers that make it trusted online', async () => {
    const dir = await writePythonCache(repoId, commit, files, []);
    const model = await resolveModel(repoId, online({ endpoint: `http://127.0.0.1:${await closedPort()}` }));
    expect(model.dir).toBe(dir);
    expect(model.source).toBe('cache');
  });
});

describe('interrupted downloads', () => {
  const weights = modernbert['model.safetensors'] as Buffer;
  const digest = sha256(weights);
  const half = Math.floor(weights.length / 2);

  it('resumes a transfer cut mid-file with an HTTP Range request', async () => {
    hub.cuts.set(digest, half);
    const from = hub.requests.length;
    const model = await resolveModel(MODERNBERT, online());
    const transfers = hub.since(from).filter((request) => request.path === `/cdn/${digest}`);
    // The socket is destroyed after `half` bytes; how many of them reach the client before the reset varies.
    expect(transfers).toHaveLength(2);
    expect(transfers[0]?.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(transfers[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(half);
    expect((await readFile(join(model.dir, 'model.safetensors'))).equals(weights)).toBe(true);
    expect(existsSync(join(repoFolder(MODERNBERT), 'blobs', `${digest}.incomplete`))).toBe(false);
  });

  it('resumes the .incomplete blob an earlier run left behind', async () => {
    const blobs = join(repoFolder(MODERNBERT), 'blobs');
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, `${digest}.incomplete`), weights.subarray(0, half));
    const progress: number[] = [];
    const from = hub.requests.length;
    const model = await resolveModel(
      MODERNBERT,
      online({ onProgress: (p) => p.file === 'model.safetensors' && progress.push(p.downloaded) }),
    );
    expect(
      hub
        .since(from)
        .filter((request) => request.path === `/cdn/${digest}`)
        .map((request) => request.range),
    ).toEqual([`bytes=${half}-`]);
    expect((await readFile(join(model.dir, 'model.safetensors'))).equals(weights)).toBe(true);
    expect(progress.at(-1)).toBe(weights.length);
    expect(Math.min(...progress)).toBeGreaterThan(half);
  });
});

describe('errors a user can act on', () => {
  it('reports an unknown repo as HubNotFoundError', async () => {
    const error = await rejection(resolveModel('bcmb-test/no-such-model', online()));
    expect(error).toBeInstanceOf(HubNotFoundError);
    expect((error as HubNotFoundError).kind).toBe('repo');
    expect(error.message).toContain('Model bcmb-test/no-such-model was not found');
  });

  it('reports an unknown revision', async () => {
    const error = await rejection(resolveModel(MODERNBERT, online({ revision: 'no-such-branch' })));
    expect((error as HubNotFoundError).kind).toBe('revision');
  });

  it('asks for HF_TOKEN on a private repo, and downloads with it without sending it to the CDN', async () => {
    const error = await rejection(resolveModel('bcmb-test/private', online()));
    expect(error).toBeInstanceOf(HubAccessError);
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('set HF_TOKEN');

    vi.stubEnv('HF_TOKEN', 'hf_private_reader');
    const from = hub.requests.length;
    const model = await resolveModel('bcmb-test/private', online());
    expect(model.source).toBe('download');
    const requests = hub.since(from);
    expect(
      requests
        .filter((r) => !r.path.startsWith('/cdn/'))
        .every((r) => r.authorization === 'Bearer hf_private_reader'),
    ).toBe(true);
    expect(
      requests.filter((r) => r.path.startsWith('/cdn/')).every((r) => r.authorization === undefined),
    ).toBe(true);
  });

  it('explains a gated repo', async () => {
    const error = await rejection(resolveModel('bcmb-test/gated', online()));
    expect(error).toBeInstanceOf(HubAccessError);
    expect(error.message).toContain('gated');
    expect(error.message).toContain(`${hub.endpoint}/bcmb-test/gated`);
    expect(error.message).toContain('HF_TOKEN');
  });

  it('reports a hub that cannot be reached with the HF_HUB_OFFLINE hint', async () => {
    const error = await rejection(
      resolveModel(MODERNBERT, online({ endpoint: `http://127.0.0.1:${await closedPort()}` })),
    );
    expect(error).toBeInstanceOf(HubNetworkError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('HF_HUB_OFFLINE=1');
  });

  it.runIf(existsSync('/dev/full'))('reports a full disk (ENOSPC) as HubDiskFullError', async () => {
    // Writes to /dev/full fail with ENOSPC: a real full-disk error from the kernel.
    const blobs = join(repoFolder(MODERNBERT), 'blobs');
    await mkdir(blobs, { recursive: true });
    await symlink(
      '/dev/full',
      join(blobs, `${sha256(modernbert['model.safetensors'] as Buffer)}.incomplete`),
    );
    const error = await rejection(resolveModel(MODERNBERT, online()));
    expect(error).toBeInstanceOf(HubDiskFullError);
    expect(error.message).toContain('HF_HUB_CACHE');
  });

  it('rejects a download whose bytes do not hash to the hub ETag and keeps nothing of it', async () => {
    const weights = modernbert['model.safetensors'] as Buffer;
    const digest = sha256(weights);
    const flipped = Buffer.from(weights);
    flipped[100] = (flipped[100] as number) ^ 0xff;
    hub.tampered.set(digest, flipped);
    try {
      const error = await rejection(resolveModel(MODERNBERT, online()));
      expect(error).toBeInstanceOf(HubCorruptCacheError);
      expect(error.message).toContain(`not to its ETag ${digest}`);
      const blobs = join(repoFolder(MODERNBERT), 'blobs');
      expect(existsSync(join(blobs, digest))).toBe(false);
      expect(existsSync(join(blobs, `${digest}.incomplete`))).toBe(false);
    } finally {
      hub.tampered.delete(digest);
    }
  });

  it('detects a corrupt cached blob with verify, and a truncated one against the hub size', async () => {
    const model = await resolveModel(MODERNBERT, online());
    const blob = join(repoFolder(MODERNBERT), 'blobs', sha256(modernbert['model.safetensors'] as Buffer));
    await writeFile(blob, Buffer.alloc((modernbert['model.safetensors'] as Buffer).length));
    const error = await rejection(resolveModel(MODERNBERT, online({ verify: true })));
    expect(error).toBeInstanceOf(HubCorruptCacheError);
    expect(error.message).toContain(blob);

    await writeFile(blob, Buffer.from('short'));
    await rm(join(model.dir, 'model.safetensors'));
    const truncated = await rejection(resolveModel(MODERNBERT, online()));
    expect(truncated).toBeInstanceOf(HubCorruptCacheError);
    expect(truncated.message).toContain('5 bytes but the hub announced');
  });
});

describe('local directories and environment', () => {
  it('lets an existing local directory win, without touching the cache or the hub', async () => {
    const dir = fileURLToPath(new URL('tiny-modernbert-mlm', FIXTURE_MODELS));
    const from = hub.requests.length;
    const model = await resolveModel(dir, online());
    expect(model).toEqual({ dir, source: 'local', files: ['config.json', 'model.safetensors'] });
    expect(hub.since(from)).toEqual([]);
  });

  it('says when a path is neither a directory nor a hub id', async () => {
    const error = await rejection(resolveModel('./no/such/dir', online()));
    expect((error as HubNotFoundError).kind).toBe('path');
  });

  it('downloads into $HF_HUB_CACHE from $HF_ENDPOINT when no option is given', async () => {
    vi.stubEnv('HF_HUB_CACHE', cacheDir);
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    const model = await resolveModel(BERT);
    expect(model.dir).toBe(join(repoFolder(BERT), 'snapshots', BERT_MAIN));
  });
});

describe('concurrent resolves', () => {
  it('download each blob once when parallel runs resolve the same model into one cold cache', async () => {
    const digest = sha256(modernbert['model.safetensors'] as Buffer);
    const from = hub.requests.length;
    const models = await Promise.all([1, 2, 3].map(() => resolveModel(MODERNBERT, online())));
    expect(new Set(models.map((model) => model.dir)).size).toBe(1);
    expect(hub.since(from).filter((request) => request.path === `/cdn/${digest}`)).toHaveLength(1);
    expect(
      (await readFile(join(models[0]?.dir ?? '', 'model.safetensors'))).equals(
        modernbert['model.safetensors'] as Buffer,
      ),
    ).toBe(true);
  });
});

describe('issue 17 item 7: misbehaving servers are stopped, not waited on', () => {
  const weights = modernbert['model.safetensors'] as Buffer;
  const digest = sha256(weights);
  const blobs = () => join(repoFolder(MODERNBERT), 'blobs');

  it.each([
    ['sends 9 MB more than the size it announced', { kind: 'overlong' as const, extra: 9_000_000 }],
    ['sends an endless body', { kind: 'endless' as const }],
  ])('stops with HubProtocolError when the server %s, keeping nothing', async (_label, how) => {
    hub.misbehave.set(digest, how);
    hub.misbehavedBytes = 0;
    const error = await rejection(resolveModel(MODERNBERT, online()));
    expect(error).toBeInstanceOf(HubProtocolError);
    expect(error.message).toContain(`more than the ${weights.length} bytes it announced`);
    expect(existsSync(join(blobs(), digest))).toBe(false);
    expect(existsSync(join(blobs(), `${digest}.incomplete`))).toBe(false);
    // Socket buffers let a few MB through after the client stops reading; an unbounded read would go on to 1 GiB.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hub.misbehavedBytes).toBeLessThan(weights.length + 32 * 2 ** 20);
  });

  it('cuts a transfer that trickles one byte every 50 ms after HF_HUB_DOWNLOAD_TIMEOUT, and resumes it', async () => {
    vi.stubEnv('HF_HUB_DOWNLOAD_TIMEOUT', '0.5');
    hub.misbehave.set(digest, { kind: 'drip', everyMs: 50 });
    const from = hub.requests.length;
    const model = await resolveModel(MODERNBERT, online());
    const transfers = hub.since(from).filter((request) => request.path === `/cdn/${digest}`);
    expect(transfers).toHaveLength(2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(transfers[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(100);
    expect((await readFile(join(model.dir, 'model.safetensors'))).equals(weights)).toBe(true);
  });

  it('gives up with HubNetworkError after five stalled attempts, keeping the partial file to resume', async () => {
    const drip = { kind: 'drip' as const, everyMs: 40 };
    const refill = setInterval(() => hub.misbehave.set(digest, drip), 5);
    hub.misbehave.set(digest, drip);
    try {
      const error = await rejection(resolveModel(MODERNBERT, online({ downloadTimeoutMs: 200 })));
      expect(error).toBeInstanceOf(HubNetworkError);
      expect(error.message).toMatch(/less than 16384 bytes arrived in 0.2 s/);
      expect(existsSync(join(blobs(), `${digest}.incomplete`))).toBe(true);
    } finally {
      clearInterval(refill);
      hub.misbehave.delete(digest);
    }
  });
});
