import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hubArgs, resolveModelFlag } from './model-source.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('--model, --revision and --offline', () => {
  it('takes an existing folder as it is, even one holding only config.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-model-'));
    expect(await resolveModelFlag(dir, {})).toEqual({ dir, local: true });
  });

  it('with --offline and a cold cache, fails naming what is missing instead of reaching the network', async () => {
    vi.stubEnv('HF_HUB_CACHE', await mkdtemp(join(tmpdir(), 'bcmb-hf-cache-')));
    vi.stubEnv('HF_ENDPOINT', 'http://127.0.0.1:9');
    await expect(resolveModelFlag('emilyalsentzer/Bio_ClinicalBERT', { offline: true })).rejects.toThrow(
      /Offline mode: emilyalsentzer\/Bio_ClinicalBERT at revision main is not complete in the Hugging Face cache/,
    );
  });

  it('passes --revision and --offline on to the per-seed runs of bcmb sweep', () => {
    expect(hubArgs({ revision: 'v1.0', offline: true })).toEqual(['--revision', 'v1.0', '--offline']);
    expect(hubArgs({})).toEqual([]);
  });
});
