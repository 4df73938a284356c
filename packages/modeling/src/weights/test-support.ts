import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tiny checkpoints committed at the repository root. */
export const MODELS_DIR = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));

export function modelFile(folder: string, file: string): string {
  return join(MODELS_DIR, folder, file);
}

/** Runs `body` with a fresh temp directory that is removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bcmb-weights-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A safetensors file from a raw header (any JSON, valid or not) and raw data, for corrupt-file tests. */
export function rawSafetensors(header: unknown, data: Uint8Array, claimedLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, claimedLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Writes pickle opcodes by hand, for checkpoints no PyTorch would write (malicious, strided, odd dtypes). */
export class PickleWriter {
  private readonly parts: number[] = [];

  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  proto(version = 2): this {
    return this.op(0x80, version);
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...latin1(`${module}\n${name}\n`));
  }
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).op(0x93);
  }
  str(text: string): this {
    const bytes = new TextEncoder().encode(text);
    return this.op(0x58, ...u32(bytes.length), ...bytes);
  }
  int(value: number): this {
    return this.op(0x4a, ...u32(value));
  }
  /** A `(a, b, ...)` tuple of ints. */
  ints(values: number[]): this {
    this.mark();
    for (const value of values) this.int(value);
    return this.tuple();
  }
  mark(): this {
    return this.op(0x28);
  }
  tuple(): this {
    return this.op(0x74);
  }
  emptyTuple(): this {
    return this.op(0x29);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  setItems(): this {
    return this.op(0x75);
  }
  reduce(): this {
    return this.op(0x52);
  }
  none(): this {
    return this.op(0x4e);
  }
  stop(): this {
    return this.op(0x2e);
  }
  /** `_rebuild_tensor_v2(<storage pid>, offset, size, stride, False, OrderedDict())` as torch.save writes it. */
  tensor(
    storage: { type: string; key: string; numel: number },
    offset: number,
    size: number[],
    stride: number[],
  ): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark()
      .str('storage')
      .global('torch', storage.type)
      .str(storage.key)
      .str('cpu')
      .int(storage.numel)
      .none();
    this.tuple().op(0x51); // BINPERSID
    this.int(offset).ints(size).ints(stride).op(0x89); // NEWFALSE
    this.global('collections', 'OrderedDict').emptyTuple().reduce();
    return this.tuple().reduce();
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function latin1(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/**
 * A legacy (`_use_new_zipfile_serialization=False`) checkpoint around a hand-written state-dict pickle: the magic
 * number, protocol and sys-info pickles, then `main`, the storage key list and each storage's count and bytes.
 */
export function legacyCheckpoint(
  main: Uint8Array,
  storages: { key: string; count: number; data: Uint8Array }[],
) {
  const magic = new PickleWriter()
    .proto()
    .op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19);
  const protocol = new PickleWriter().proto().op(0x4d, 0xe9, 0x03); // BININT2 1001
  const sysInfo = new PickleWriter().proto().emptyDict().mark().str('protocol_version').op(0x4d, 0xe9, 0x03);
  sysInfo.str('little_endian').op(0x88).setItems();
  const keys = new PickleWriter().proto().op(0x5d).mark(); // EMPTY_LIST
  for (const { key } of storages) keys.str(key);
  keys.op(0x65); // APPENDS
  const pieces = [
    magic.stop().bytes(),
    protocol.stop().bytes(),
    sysInfo.stop().bytes(),
    main,
    keys.stop().bytes(),
  ];
  for (const { count, data } of storages) {
    const countBytes = new Uint8Array(8);
    new DataView(countBytes.buffer).setBigUint64(0, BigInt(count), true);
    pieces.push(countBytes, data);
  }
  const out = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
