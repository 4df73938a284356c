import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hubSettings } from './settings.js';

const VARIABLES = [
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'HF_HOME',
  'XDG_CACHE_HOME',
  'HF_ENDPOINT',
  'HF_HUB_OFFLINE',
  'TRANSFORMERS_OFFLINE',
  'HF_TOKEN',
  'HF_TOKEN_PATH',
];

afterEach(() => {
  vi.unstubAllEnvs();
});

function clearEnvironment(): void {
  for (const name of VARIABLES) vi.stubEnv(name, undefined);
}

describe('hubSettings reads the environment like huggingface_hub', () => {
  it('defaults to ~/.cache/huggingface/hub and the public hub, online', () => {
    clearEnvironment();
    vi.stubEnv('HF_TOKEN_PATH', join(tmpdir(), 'bcmb-no-such-token'));
    expect(hubSettings()).toEqual({
      cacheDir: join(homedir(), '.cache', 'huggingface', 'hub'),
      endpoint: 'https://huggingface.co',
      offline: false,
      token: undefined,
    });
  });

  it('puts the cache under $HF_HOME/hub unless HF_HUB_CACHE says otherwise', () => {
    clearEnvironment();
    vi.stubEnv('HF_HOME', '/data/hf');
    expect(hubSettings().cacheDir).toBe(join('/data/hf', 'hub'));
    vi.stubEnv('HF_HUB_CACHE', '/fast/hub');
    expect(hubSettings().cacheDir).toBe('/fast/hub');
  });

  it('accepts the truthy spellings of HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE', () => {
    clearEnvironment();
    for (const value of ['1', 'true', 'YES', 'on']) {
      vi.stubEnv('HF_HUB_OFFLINE', value);
      expect(hubSettings().offline).toBe(true);
    }
    vi.stubEnv('HF_HUB_OFFLINE', '0');
    expect(hubSettings().offline).toBe(false);
    vi.stubEnv('TRANSFORMERS_OFFLINE', '1');
    expect(hubSettings().offline).toBe(true);
    expect(hubSettings({ offline: false }).offline).toBe(false);
  });

  it('takes HF_TOKEN, else the token file huggingface-cli login writes', async () => {
    clearEnvironment();
    const home = await mkdtemp(join(tmpdir(), 'bcmb-hf-home-'));
    try {
      await writeFile(join(home, 'token'), 'hf_from_file\n');
      vi.stubEnv('HF_HOME', home);
      expect(hubSettings().token).toBe('hf_from_file');
      vi.stubEnv('HF_TOKEN', 'hf_from_env');
      expect(hubSettings().token).toBe('hf_from_env');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('drops a trailing slash from HF_ENDPOINT', () => {
    clearEnvironment();
    vi.stubEnv('HF_ENDPOINT', 'http://127.0.0.1:8080/');
    expect(hubSettings().endpoint).toBe('http://127.0.0.1:8080');
  });
});
