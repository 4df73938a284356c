import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, UnsafePickleError } from './errors.js';
import { readSafetensors } from './safetensors.js';
import type { StateDict, WeightTensor } from './state-dict.js';
import {
  legacyCheckpoint,
  modelFile,
  PickleWriter,
  withTempDir,
  zipArchive,
  zipEntries,
} from './test-support.js';
import { readTorchCheckpoint, readTorchCheckpointWithFormat } from './torch-checkpoint.js';

function bitsOf({ data }: WeightTensor): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function expectSameTensors(actual: StateDict, expected: StateDict): void {
  for (const [name, tensor] of expected) {
    const other = actual.get(name);
    expect(other, name).toBeDefined();
    expect(other!.shape, name).toEqual(tensor.shape);
    expect(bitsOf(other!).equals(bitsOf(tensor)), `${name} is bit-identical`).toBe(true);
  }
}

/** Writes a hand-made legacy checkpoint and reads it back. */
async function readHandMade(
  main: Uint8Array,
  storages: Parameters<typeof legacyCheckpoint>[1],
): Promise<StateDict> {
  return withTempDir(async (dir) => {
    const path = join(dir, 'pytorch_model.bin');
    await writeFile(path, legacyCheckpoint(main, storages));
    return readTorchCheckpoint(path);
  });
}

describe('readTorchCheckpoint on the fixture checkpoints', () => {
  const pairs: [string, string, 'pytorch-zip' | 'pytorch-legacy', string[]][] = [
    [
      'tiny-bert-mlm',
      'tiny-bert-mlm',
      'pytorch-zip',
      ['cls.predictions.decoder.bias', 'cls.predictions.decoder.weight'],
    ],
    [
      'tiny-bert-mlm-legacy',
      'tiny-bert-mlm',
      'pytorch-legacy',
      ['cls.predictions.decoder.bias', 'cls.predictions.decoder.weight'],
    ],
    ['tiny-modernbert-mlm', 'tiny-modernbert-mlm', 'pytorch-zip', ['decoder.weight']],
  ];

  it.each(pairs)(
    '%s/pytorch_model.bin equals %s/model.safetensors bit for bit, plus the tied aliases safetensors drops',
    async (binFolder, safetensorsFolder, format, aliases) => {
      const bin = await readTorchCheckpointWithFormat(modelFile(binFolder, 'pytorch_model.bin'));
      const safetensors = await readSafetensors(modelFile(safetensorsFolder, 'model.safetensors'));
      expect(bin.format).toBe(format);
      expectSameTensors(bin.stateDict, safetensors);
      expect([...bin.stateDict.keys()].filter((name) => !safetensors.has(name)).sort()).toEqual(aliases);
    },
  );

  it('reads tied weights as views of one storage, as PyTorch holds them', async () => {
    const bin = await readTorchCheckpoint(modelFile('tiny-modernbert-mlm', 'pytorch_model.bin'));
    const decoder = bin.get('decoder.weight')!;
    const embeddings = bin.get('model.embeddings.tok_embeddings.weight')!;
    expect(decoder.shape).toEqual([1024, 64]);
    expect(decoder.data.buffer).toBe(embeddings.data.buffer);
    const bert = await readTorchCheckpoint(modelFile('tiny-bert-mlm-legacy', 'pytorch_model.bin'));
    expect(bert.get('cls.predictions.decoder.bias')!.data.buffer).toBe(
      bert.get('cls.predictions.bias')!.data.buffer,
    );
  });

  it.each([
    ['tiny-bert-seqcls', ['bert.pooler.dense.weight', 'classifier.weight'], [3, 64]],
    ['tiny-bert-seqcls-multilabel', ['bert.pooler.dense.weight', 'classifier.weight'], [5, 64]],
    ['tiny-bert-tokcls', ['classifier.weight'], [7, 64]],
  ])(
    'reads %s, which ships only pytorch_model.bin, with its head',
    async (folder, heads, classifierShape) => {
      const dict = await readTorchCheckpoint(modelFile(folder, 'pytorch_model.bin'));
      for (const head of heads) expect(dict.has(head), head).toBe(true);
      expect(dict.has('bert.pooler.dense.weight')).toBe(folder !== 'tiny-bert-tokcls');
      expect(dict.get('classifier.weight')!.shape).toEqual(classifierShape);
      expect(dict.get('bert.embeddings.word_embeddings.weight')!.shape).toEqual([1024, 64]);
    },
  );
});

describe('readTorchCheckpoint honours what torch.save can express', () => {
  it('finds the archive folder from the zip itself instead of assuming pytorch_model/ or archive/', async () => {
    const original = await readFile(modelFile('tiny-bert-mlm', 'pytorch_model.bin'));
    const renamed = Buffer.from(
      original.toString('latin1').replaceAll('pytorch_model/', 'archive_model/'),
      'latin1',
    );
    await withTempDir(async (dir) => {
      const path = join(dir, 'weights.bin');
      await writeFile(path, renamed);
      expectSameTensors(
        await readTorchCheckpoint(path),
        await readTorchCheckpoint(modelFile('tiny-bert-mlm', 'pytorch_model.bin')),
      );
    });
  });

  it('reads deflated zip entries, which other writers than torch.save produce', async () => {
    const main = new PickleWriter().proto().emptyDict().mark();
    main.str('w').tensor({ type: 'FloatStorage', key: '0', numel: 3 }, 0, [3], [1]).setItems().stop();
    const archive = zipArchive([
      { name: 'ckpt/data.pkl', data: main.bytes(), deflate: true },
      { name: 'ckpt/data/0', data: new Uint8Array(new Float32Array([1.5, -2, 8]).buffer), deflate: true },
    ]);
    await withTempDir(async (dir) => {
      const path = join(dir, 'ckpt.bin');
      await writeFile(path, archive);
      expect((await readTorchCheckpoint(path)).get('w')).toEqual({
        shape: [3],
        data: new Float32Array([1.5, -2, 8]),
      });
    });
  });

  it('gathers a transposed (strided) view and an offset view of one storage', async () => {
    const storage = { type: 'FloatStorage', key: '0', numel: 6 };
    const main = new PickleWriter().proto().emptyDict().mark();
    main.str('transposed').tensor(storage, 0, [3, 2], [1, 3]);
    main.str('tail').tensor(storage, 4, [2], [1]);
    main.setItems().stop();
    const data = new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer);
    const dict = await readHandMade(main.bytes(), [{ key: '0', count: 6, data }]);
    // storage viewed as [[0,1,2],[3,4,5]], transposed to [[0,3],[1,4],[2,5]]
    expect(dict.get('transposed')).toEqual({ shape: [3, 2], data: new Float32Array([0, 3, 1, 4, 2, 5]) });
    expect(dict.get('tail')).toEqual({ shape: [2], data: new Float32Array([4, 5]) });
  });

  it('converts HalfStorage, BFloat16Storage and LongStorage to float32', async () => {
    const main = new PickleWriter().proto().emptyDict().mark();
    main.str('half').tensor({ type: 'HalfStorage', key: 'h', numel: 2 }, 0, [2], [1]);
    main.str('bf16').tensor({ type: 'BFloat16Storage', key: 'b', numel: 2 }, 0, [2], [1]);
    main.str('long').tensor({ type: 'LongStorage', key: 'l', numel: 2 }, 1, [1], [1]);
    main.setItems().stop();
    const dict = await readHandMade(main.bytes(), [
      { key: 'b', count: 2, data: new Uint8Array(new Uint16Array([0x4040, 0xbf00]).buffer) },
      { key: 'h', count: 2, data: new Uint8Array(new Uint16Array([0x3800, 0xbc00]).buffer) },
      { key: 'l', count: 2, data: new Uint8Array(new BigInt64Array([5n, -12n]).buffer) },
    ]);
    expect([...dict.get('half')!.data]).toEqual([0.5, -1]);
    expect([...dict.get('bf16')!.data]).toEqual([3, -0.5]);
    expect([...dict.get('long')!.data]).toEqual([-12]);
  });
});

describe('malicious pickles are refused with UnsafePickleError, never executed', () => {
  const malicious: [string, PickleWriter][] = [
    [
      'os.system via GLOBAL + REDUCE',
      new PickleWriter().proto().global('os', 'system').str('touch pwned').op(0x85),
    ],
    [
      'builtins.eval via STACK_GLOBAL + REDUCE',
      new PickleWriter().proto(4).stackGlobal('builtins', 'eval').str('1+1').op(0x85),
    ],
    [
      'subprocess.Popen via INST',
      new PickleWriter()
        .proto()
        .mark()
        .str('ls')
        .op(0x69, ...Buffer.from('subprocess\nPopen\n')),
    ],
    [
      'posix.system hidden inside a tensor entry',
      new PickleWriter().proto().emptyDict().mark().str('w').global('posix', 'system'),
    ],
  ];

  it.each(malicious)('%s', async (label, pickle) => {
    const culprit = label.split(' ')[0]!;
    const error = await readHandMade(pickle.reduce().stop().bytes(), []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafePickleError);
    expect((error as Error).message).toContain(culprit);
    expect((error as Error).message).toContain('not on the state-dict allow-list');
  });

  it('refuses os.system planted in the data.pkl of a real zip checkpoint (with valid CRCs)', async () => {
    const entries = await zipEntries(modelFile('tiny-bert-tokcls', 'pytorch_model.bin'));
    const pickle = entries.find(({ name }) => name.endsWith('/data.pkl'))!;
    const bytes = Buffer.from(pickle.data);
    const at = bytes.indexOf(Buffer.from('torch._utils\n_rebuild_tensor_v2\n'));
    expect(at).toBeGreaterThan(0);
    Buffer.from('os\nsystem\n').copy(bytes, at);
    pickle.data = bytes;
    await withTempDir(async (dir) => {
      const path = join(dir, 'pytorch_model.bin');
      await writeFile(path, zipArchive(entries));
      await expect(readTorchCheckpoint(path)).rejects.toThrow(
        /os\.system, which is not on the state-dict allow-list/,
      );
      await expect(readTorchCheckpoint(path)).rejects.toBeInstanceOf(UnsafePickleError);
    });
  });
});

describe('truncated or corrupt torch checkpoints give CheckpointFormatError', () => {
  async function failureOf(bytes: Uint8Array): Promise<unknown> {
    return withTempDir(async (dir) => {
      const path = join(dir, 'pytorch_model.bin');
      await writeFile(path, bytes);
      return readTorchCheckpoint(path).then(
        () => 'loaded',
        (error: unknown) => error,
      );
    });
  }

  it.each([0.1, 0.5, 0.99])('a zip checkpoint cut at %f of its length', async (fraction) => {
    const bytes = await readFile(modelFile('tiny-modernbert-mlm', 'pytorch_model.bin'));
    expect(await failureOf(bytes.subarray(0, Math.floor(bytes.length * fraction)))).toBeInstanceOf(
      CheckpointFormatError,
    );
  });

  it.each([100, 1500, 300_000, 689_000])('a legacy checkpoint cut after %i bytes', async (length) => {
    const bytes = await readFile(modelFile('tiny-bert-mlm-legacy', 'pytorch_model.bin'));
    expect(await failureOf(bytes.subarray(0, length))).toBeInstanceOf(CheckpointFormatError);
  });

  it.each([
    [
      'no data.pkl',
      [{ name: 'x/data/0', data: new Uint8Array(4) }],
      /exactly one <folder>\/data.pkl, found 0/,
    ],
    [
      'two data.pkl folders',
      [
        { name: 'a/data.pkl', data: new Uint8Array(1) },
        { name: 'b/data.pkl', data: new Uint8Array(1) },
      ],
      /found 2/,
    ],
  ])('a zip with %s', async (_label, entries, message) => {
    const error = await failureOf(zipArchive(entries));
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as Error).message).toMatch(message);
  });

  it('a zip whose storage entry is missing', async () => {
    const main = new PickleWriter().proto().emptyDict().mark();
    main.str('w').tensor({ type: 'FloatStorage', key: '7', numel: 1 }, 0, [1], [1]).setItems().stop();
    const error = await failureOf(zipArchive([{ name: 'm/data.pkl', data: main.bytes() }]));
    expect((error as Error).message).toMatch(/no entry "m\/data\/7"/);
  });

  it('a file that is neither zip nor pickle', async () => {
    const error = await failureOf(new TextEncoder().encode('<html>404 Not Found</html>'));
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as Error).message).toMatch(/opcode 0x3c is not used by torch.save/);
  });

  it('an empty file', async () => {
    expect(await failureOf(new Uint8Array(0))).toBeInstanceOf(CheckpointFormatError);
  });

  it('a tensor that reads past the end of its storage', async () => {
    const main = new PickleWriter().proto().emptyDict().mark();
    main.str('w').tensor({ type: 'FloatStorage', key: '0', numel: 4 }, 2, [2, 2], [2, 1]).setItems().stop();
    const error = await failureOf(
      legacyCheckpoint(main.bytes(), [{ key: '0', count: 4, data: new Uint8Array(16) }]),
    );
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as Error).message).toMatch(/reads element 5 of a 4-element storage/);
  });

  it('an expanded (stride-0) view claiming more elements than its storage holds', async () => {
    const main = new PickleWriter().proto().emptyDict().mark();
    main
      .str('w')
      .tensor({ type: 'FloatStorage', key: '0', numel: 1 }, 0, [100_000_000], [0])
      .setItems()
      .stop();
    const error = await failureOf(
      legacyCheckpoint(main.bytes(), [{ key: '0', count: 1, data: new Uint8Array(4) }]),
    );
    expect((error as Error).message).toMatch(/100000000 elements but its storage only 1/);
  });

  it('a pickle that is not a dict of tensors', async () => {
    const error = await failureOf(legacyCheckpoint(new PickleWriter().proto().int(7).stop().bytes(), []));
    expect((error as Error).message).toMatch(/holds no dict of tensors/);
  });

  it('a storage dtype bcmb does not read', async () => {
    const main = new PickleWriter().proto().emptyDict().mark();
    main.str('w').tensor({ type: 'ComplexFloatStorage', key: '0', numel: 1 }, 0, [1], [1]).setItems().stop();
    const error = await failureOf(
      legacyCheckpoint(main.bytes(), [{ key: '0', count: 1, data: new Uint8Array(8) }]),
    );
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect(error).not.toBeInstanceOf(UnsafePickleError);
    expect((error as Error).message).toMatch(/ComplexFloatStorage/);
  });
});
