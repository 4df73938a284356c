import { describe, expect, it, vi } from 'vitest';

vi.mock('onnxruntime-node', () => {
  throw new Error("Cannot find package 'onnxruntime-node'");
});

const { OnnxRuntimeMissingError, OnnxSession, onnxRuntimeAvailable } = await import('./index.js');

describe('without onnxruntime-node', () => {
  it('says how to install it, as a typed error, when a session is asked for', async () => {
    const attempt = OnnxSession.create(new Uint8Array());
    await expect(attempt).rejects.toBeInstanceOf(OnnxRuntimeMissingError);
    await expect(OnnxSession.create(new Uint8Array())).rejects.toThrow(/npm i onnxruntime-node/);
  });

  it('reports the engine as unavailable instead of throwing', async () => {
    expect(await onnxRuntimeAvailable()).toMatch(/onnxruntime-node is not installed/);
  });
});
