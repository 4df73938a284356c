import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError } from './errors.js';
import {
  littleEndianSigned,
  MAX_LONG_BYTES,
  MAX_NESTING,
  type PickleEnvironment,
  unpickle,
} from './pickle.js';
import {
  legacyCheckpoint,
  modelFile,
  PickleWriter,
  withTempDir,
  zipArchive,
  zipEntries,
} from './test-support.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';

/** Reads `bytes` as a pytorch_model.bin: the state dict, or the error it ended in. */
async function outcomeOf(bytes: Uint8Array): Promise<unknown> {
  return withTempDir(async (dir) => {
    const path = join(dir, 'pytorch_model.bin');
    await writeFile(path, bytes);
    return readTorchCheckpoint(path).catch((error: unknown) => error);
  });
}

async function expectRefused(bytes: Uint8Array, message: RegExp): Promise<void> {
  const error = await outcomeOf(bytes);
  expect(error).toBeInstanceOf(CheckpointFormatError);
  expect((error as Error).message).toMatch(message);
  // Readable: no raw control bytes such as the PK\x01\x02 of a zip signature.
  expect([...(error as Error).message].some((char) => char.charCodeAt(0) < 0x20)).toBe(false);
}

/** A one-tensor state-dict pickle over storage "0" of `numel` float32 elements. */
function oneTensorPickle(numel: number): Uint8Array {
  const main = new PickleWriter().proto().emptyDict().mark();
  main.str('w').tensor({ type: 'FloatStorage', key: '0', numel }, 0, [numel], [1]).setItems().stop();
  return main.bytes();
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

const FIXTURE = modelFile('tiny-bert-mlm', 'pytorch_model.bin');

describe('issue 17 item 1: a damaged zip64 end locator ends in CheckpointFormatError, never a process exit', () => {
  it('every single-byte change in the zip64 locator and record of a torch.save file loads or is refused', async () => {
    const original = await readFile(FIXTURE);
    const locator = original.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
    const record = original.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    expect(locator).toBeGreaterThan(0);
    const positions = [
      ...Array.from({ length: 20 }, (_, i) => locator + i),
      ...Array.from({ length: 56 }, (_, i) => record + i),
    ];
    for (const at of positions) {
      for (const value of [0x00, 0xff, original[at]! ^ 0x01]) {
        const bytes = Buffer.from(original);
        bytes[at] = value;
        const outcome = await outcomeOf(bytes);
        if (outcome instanceof Error)
          expect(outcome, `byte ${at} = ${value}`).toBeInstanceOf(CheckpointFormatError);
        else expect(outcome, `byte ${at} = ${value}`).toBeInstanceOf(Map);
      }
    }
  });
});

describe('issue 17 item 2: zip bombs are refused before they inflate', () => {
  it('refuses entries that share one deflate stream', async () => {
    const pickle = oneTensorPickle(4);
    await expectRefused(
      zipArchive([
        { name: 'm/data.pkl', data: pickle },
        { name: 'm/data/0', data: new Uint8Array(1 << 20), deflate: true },
        { name: 'm/data/1', data: new Uint8Array(0), sharesWith: 1 },
      ]),
      /entries "m\/data\/0" and "m\/data\/1" overlap/,
    );
  });

  it('refuses a large zero entry the pickle does not announce, without inflating it', async () => {
    await expectRefused(
      zipArchive([
        { name: 'm/data.pkl', data: oneTensorPickle(4) },
        { name: 'm/data/0', data: new Uint8Array(16 << 20), deflate: true },
      ]),
      /"m\/data\/0" holds 16777216 bytes where the checkpoint announces 16/,
    );
  });

  it('refuses a deflate stream that inflates past its declared size', async () => {
    await expectRefused(
      zipArchive([
        { name: 'm/data.pkl', data: oneTensorPickle(4) },
        { name: 'm/data/0', data: new Uint8Array(4096), deflate: true, size: 16 },
      ]),
      /"m\/data\/0" cannot be inflated/,
    );
  });

  it('refuses a size claim beyond what deflate can expand to', async () => {
    const numel = 1 << 22;
    await expectRefused(
      zipArchive([
        { name: 'm/data.pkl', data: oneTensorPickle(numel) },
        { name: 'm/data/0', data: new Uint8Array(16), deflate: true, size: numel * 4 },
      ]),
      /claims 16777216 bytes from \d+ compressed bytes/,
    );
  });
});

describe('issue 17 item 3: duplicate names, CRC-32 and trailing bytes', () => {
  it('refuses two entries of one name (torch reads the first, a map would keep the last)', async () => {
    const pickle = oneTensorPickle(1);
    await expectRefused(
      zipArchive([
        { name: 'm/data.pkl', data: new PickleWriter().proto().global('os', 'system').stop().bytes() },
        { name: 'm/data.pkl', data: pickle },
        { name: 'm/data/0', data: new Uint8Array(4) },
      ]),
      /two entries named "m\/data.pkl"/,
    );
  });

  it('refuses a stored tensor whose bytes were changed after its CRC-32 was written', async () => {
    const bytes = Buffer.from(await readFile(FIXTURE));
    const entries = await zipEntries(FIXTURE);
    const tensor = entries.find(({ name }) => name.endsWith('/data/0'))!;
    const at = bytes.indexOf(Buffer.from(tensor.data.subarray(0, 64)));
    expect(at).toBeGreaterThan(0);
    bytes[at + 10]! ^= 0x40;
    await expectRefused(bytes, /"pytorch_model\/data\/0" fails its CRC-32 check/);
  });

  it('reads a checkpoint with bytes appended after the archive, as torch does', async () => {
    const original = await readFile(FIXTURE);
    const appended = Buffer.concat([original, Buffer.alloc(1000, 0x41)]);
    const loaded = await outcomeOf(appended);
    expect(loaded).toBeInstanceOf(Map);
    expect((loaded as Map<string, unknown>).size).toBe((await readTorchCheckpoint(FIXTURE)).size);
  });

  it('says in words, not raw bytes, when no end record is found', async () => {
    const original = await readFile(FIXTURE);
    await expectRefused(
      Buffer.concat([original, Buffer.alloc(70_000)]),
      /no end-of-central-directory record/,
    );
  });
});

describe('issue 17 item 4: hostile pickles', () => {
  const plain: PickleEnvironment = {
    findGlobal: () => {
      throw new Error('no globals in these tests');
    },
    call: () => undefined,
    build: () => undefined,
    persistentLoad: () => undefined,
  };
  const run = (writer: PickleWriter) => unpickle(writer.bytes(), 0, plain, 'test.pkl').value;

  it('decodes a 1 MiB LONG4 integer (linear time) and refuses a larger one', () => {
    const payload = new Uint8Array(MAX_LONG_BYTES).fill(0x11);
    payload[payload.length - 1] = 0x01;
    const head = new PickleWriter()
      .proto()
      .op(0x8b, ...u32le(payload.length))
      .bytes();
    const bytes = Buffer.concat([head, payload, Uint8Array.from([0x2e])]);
    const value = unpickle(bytes, 0, plain, 'test.pkl').value;
    expect(typeof value).toBe('bigint');
    expect((value as bigint).toString(16)).toBe(`1${'11'.repeat(MAX_LONG_BYTES - 1)}`);
    expect(() => run(new PickleWriter().proto().op(0x8b, ...u32le(MAX_LONG_BYTES + 1)))).toThrow(
      /integer is larger than/,
    );
  });

  it('decodes LONG1/LONG4 two’s complement like Python', () => {
    expect(littleEndianSigned(Uint8Array.from([0xff]))).toBe(-1);
    expect(littleEndianSigned(Uint8Array.from([0x00, 0x80]))).toBe(-32768);
    expect(littleEndianSigned(Uint8Array.from([0xff, 0x00]))).toBe(255);
    expect(littleEndianSigned(new Uint8Array(9).fill(0xff))).toBe(-1);
    expect(littleEndianSigned(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1]))).toBe(2n ** 64n);
  });

  it('refuses BINUNICODE that is not valid UTF-8 with CheckpointFormatError', () => {
    expect(() => run(new PickleWriter().proto().op(0x58, 2, 0, 0, 0, 0xc3, 0x28).stop())).toThrow(
      CheckpointFormatError,
    );
    expect(() => run(new PickleWriter().proto().op(0x58, 2, 0, 0, 0, 0xc3, 0x28).stop())).toThrow(
      /not valid UTF-8/,
    );
  });

  it('APPENDS of 300k items builds the list without overflowing the call stack', () => {
    const writer = new PickleWriter().proto().op(0x5d).mark();
    for (let i = 0; i < 300_000; i++) writer.op(0x4e);
    const value = run(writer.op(0x65).stop());
    expect((value as unknown[]).length).toBe(300_000);
  });

  it('a 100k-deep nested value ends in CheckpointFormatError, not a stack overflow', () => {
    const writer = new PickleWriter().proto();
    for (let i = 0; i < 100_000; i++) writer.op(0x5d);
    for (let i = 0; i < 100_000 - 1; i++) writer.op(0x61);
    expect(() => run(writer.stop())).toThrow(new RegExp(`nested more than ${MAX_NESTING} levels`));
  });

  it('a 100k-deep nested state-dict key in a checkpoint ends in CheckpointFormatError', async () => {
    const main = new PickleWriter().proto().emptyDict().mark();
    for (let i = 0; i < 100_000; i++) main.op(0x5d);
    for (let i = 0; i < 100_000 - 1; i++) main.op(0x61);
    main.tensor({ type: 'FloatStorage', key: '0', numel: 1 }, 0, [1], [1]).setItems().stop();
    await expectRefused(
      legacyCheckpoint(main.bytes(), [{ key: '0', count: 1, data: new Uint8Array(4) }]),
      /nested more than/,
    );
  });

  it('an empty tensor at storage offset 2^40 loads as an empty tensor', async () => {
    const main = new PickleWriter().proto().emptyDict().mark();
    main
      .str('w')
      .tensor({ type: 'FloatStorage', key: '0', numel: 1 }, 2 ** 40, [0], [1])
      .setItems()
      .stop();
    const loaded = await outcomeOf(
      legacyCheckpoint(main.bytes(), [{ key: '0', count: 1, data: new Uint8Array(4) }]),
    );
    expect(loaded).toBeInstanceOf(Map);
    expect((loaded as Map<string, unknown>).get('w')).toEqual({ shape: [0], data: new Float32Array(0) });
  });
});
