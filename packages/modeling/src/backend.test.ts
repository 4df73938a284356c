import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_ENV_VAR, initBackend } from './backend.js';
import { BackendError } from './errors.js';

describe('initBackend', () => {
  afterEach(() => {
    delete process.env[BACKEND_ENV_VAR];
  });

  it('honours BCMB_BACKEND and reports the backend it chose', async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const reports: string[] = [];
    const info = await initBackend({ onReport: (message) => reports.push(message) });
    expect(info).toEqual({ name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect(reports).toEqual(['bcmb: tfjs backend cpu from @tensorflow/tfjs-backend-cpu']);
  });

  it('falls back past the optional tfjs-node packages when they are not installed', async () => {
    const info = await initBackend({ onReport: () => undefined });
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(info.name);
    if (info.name === 'wasm')
      expect(info).toMatchObject({ simd: expect.any(Boolean), threads: expect.any(Boolean) });
  });

  it('rejects an unknown BCMB_BACKEND with a typed error', async () => {
    process.env[BACKEND_ENV_VAR] = 'webgpu';
    await expect(initBackend({ onReport: () => undefined })).rejects.toThrow(BackendError);
  });
});
