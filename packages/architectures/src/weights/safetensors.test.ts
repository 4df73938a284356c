import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError } from './errors.js';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';
import { modelFile, rawSafetensors, withTempDir } from './test-support.js';

const SAFETENSORS_FIXTURES = ['tiny-bert-mlm', 'tiny-modernbert-mlm', 'tiny-modernbert-seqcls'];

describe('readSafetensors', () => {
  it('reads every tensor of tiny-bert-mlm with the names and shapes save_pretrained wrote', async () => {
    const dict = await readSafetensors(modelFile('tiny-bert-mlm', 'model.safetensors'));
    expect(dict.get('bert.embeddings.word_embeddings.weight')?.shape).toEqual([1024, 64]);
    expect(dict.get('bert.encoder.layer.1.intermediate.dense.weight')?.shape).toEqual([128, 64]);
    expect(dict.has('cls.predictions.decoder.weight')).toBe(false);
    for (const { shape, data } of dict.values()) {
      expect(data.length).toBe(shape.reduce((a, b) => a * b, 1));
    }
  });

  it('reports the {"format": "pt"} metadata of save_pretrained', async () => {
    const header = await readSafetensorsHeader(modelFile('tiny-modernbert-mlm', 'model.safetensors'));
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.tensors.has('model.layers.0.attn_norm.weight')).toBe(false);
    expect(header.tensors.get('model.layers.1.attn.Wqkv.weight')).toMatchObject({
      dtype: 'F32',
      shape: [192, 64],
    });
  });

  it('converts F16, BF16, F64 and integer tensors to float32 exactly', async () => {
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7c00]).buffer); // 1, -2, 2^-24, +inf
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer); // 1, -5
    const f64 = new Uint8Array(new Float64Array([0.1, -3]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([7n, -9n]).buffer);
    const data = new Uint8Array([...f64, ...i64, ...f16, ...bf16]);
    const header = {
      a_f64: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      b_i64: { dtype: 'I64', shape: [2, 1], data_offsets: [16, 32] },
      c_f16: { dtype: 'F16', shape: [2, 2], data_offsets: [32, 40] },
      d_bf16: { dtype: 'BF16', shape: [2], data_offsets: [40, 44] },
    };
    await withTempDir(async (dir) => {
      const path = join(dir, 'mixed.safetensors');
      await writeFile(path, rawSafetensors(header, data));
      const dict = await readSafetensors(path);
      expect([...dict.get('a_f64')!.data]).toEqual([Math.fround(0.1), -3]);
      expect([...dict.get('b_i64')!.data]).toEqual([7, -9]);
      expect(dict.get('b_i64')!.shape).toEqual([2, 1]);
      expect([...dict.get('c_f16')!.data]).toEqual([1, -2, 2 ** -24, Number.POSITIVE_INFINITY]);
      expect([...dict.get('d_bf16')!.data]).toEqual([1, -5]);
    });
  });
});

describe('writeSafetensors', () => {
  it.each(SAFETENSORS_FIXTURES)(
    'reproduces %s/model.safetensors byte for byte from its tensors',
    async (folder) => {
      const original = await readFile(modelFile(folder, 'model.safetensors'));
      const dict = await readSafetensors(modelFile(folder, 'model.safetensors'));
      await withTempDir(async (dir) => {
        const path = join(dir, 'model.safetensors');
        await writeSafetensors(path, dict);
        expect(Buffer.compare(await readFile(path), original)).toBe(0);
      });
    },
  );

  it('round-trips tensors of any order, pads the header to 8 bytes and puts __metadata__ first', async () => {
    const dict = new Map([
      ['z.weight', { shape: [3], data: new Float32Array([1, 2, 3]) }],
      ['a.bias', { shape: [], data: new Float32Array([-0.5]) }],
    ]);
    await withTempDir(async (dir) => {
      const path = join(dir, 'out.safetensors');
      await writeSafetensors(path, dict, { format: 'pt', note: 'x' });
      const bytes = await readFile(path);
      const headerLength = Number(bytes.readBigUInt64LE(0));
      expect(headerLength % 8).toBe(0);
      const json = bytes.subarray(8, 8 + headerLength).toString('utf8');
      expect(json.trimEnd()).toBe(
        '{"__metadata__":{"format":"pt","note":"x"},"a.bias":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
          '"z.weight":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}}',
      );
      const back = await readSafetensors(path);
      expect([...back.keys()]).toEqual(['a.bias', 'z.weight']);
      expect(back.get('z.weight')).toEqual(dict.get('z.weight'));
      expect(back.get('a.bias')).toEqual(dict.get('a.bias'));
    });
  });

  it('refuses a tensor whose data does not match its shape and leaves no file behind', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'bad.safetensors');
      const dict = new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]);
      await expect(writeSafetensors(path, dict)).rejects.toThrow(CheckpointFormatError);
      await expect(readFile(path)).rejects.toThrow(/ENOENT/);
    });
  });
});

describe('corrupt safetensors files give CheckpointFormatError, never a crash or an allocation', () => {
  const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const cases: [string, Uint8Array, RegExp][] = [
    ['a file shorter than the length prefix', new Uint8Array([1, 2, 3]), /fewer than the 8-byte/],
    ['a header length of 2^63', rawSafetensors(good, new Uint8Array(8), 2n ** 63n), /limit/],
    ['a header length past the end of the file', rawSafetensors(good, new Uint8Array(8), 5000n), /only/],
    [
      'a header that is not JSON',
      rawSafetensors('{"w": {"dtype": "F3', new Uint8Array(0)),
      /not valid UTF-8 JSON/,
    ],
    ['a header that is a JSON list', rawSafetensors([1, 2], new Uint8Array(0)), /not a JSON object/],
    [
      'an unknown dtype',
      rawSafetensors({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)),
      /F8_E4M3.*does not read/,
    ],
    [
      'a shape whose byte count does not match its offsets',
      rawSafetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /needs 12 bytes but spans 8/,
    ],
    ['truncated tensor data', rawSafetensors(good, new Uint8Array(5)), /past the 5-byte data region/],
    [
      'overlapping tensors',
      rawSafetensors(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        new Uint8Array(12),
      ),
      /starts at 4, inside "a"/,
    ],
    [
      'a gap between tensors',
      rawSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
      /leaving a gap/,
    ],
    ['trailing bytes after the last tensor', rawSafetensors(good, new Uint8Array(12)), /cover 8 bytes.*12/],
    [
      'negative offsets',
      rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }, new Uint8Array(4)),
      /not \[start, end\]/,
    ],
  ];

  it.each(cases)('%s', async (_label, bytes, message) => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'corrupt.safetensors');
      await writeFile(path, bytes);
      const error = await readSafetensors(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointFormatError);
      expect((error as CheckpointFormatError).message).toMatch(message);
      expect((error as CheckpointFormatError).file).toBe(path);
    });
  });

  it('a file cut in the middle of its data', async () => {
    const original = await readFile(modelFile('tiny-bert-mlm', 'model.safetensors'));
    await withTempDir(async (dir) => {
      const path = join(dir, 'cut.safetensors');
      await writeFile(path, original.subarray(0, 100_000));
      await expect(readSafetensors(path)).rejects.toThrow(/past the .*data region/);
    });
  });
});
