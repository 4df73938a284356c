import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { ZipArchive } from './zip.js';

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
    if (value >= -(2 ** 31) && value < 2 ** 31) return this.op(0x4a, ...u32(value));
    // LONG1 with 8 bytes, as pickle writes ints that do not fit 32 bits.
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, BigInt(value), true);
    return this.op(0x8a, 8, ...bytes);
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

/** Every entry of a zip file, in directory order, to rebuild it with changes through `zipArchive`. */
export async function zipEntries(path: string): Promise<{ name: string; data: Uint8Array }[]> {
  const archive = await ZipArchive.open(path);
  try {
    const out: { name: string; data: Uint8Array }[] = [];
    for (const name of archive.entries.keys()) out.push({ name, data: await archive.read(name) });
    return out;
  } finally {
    await archive.close();
  }
}

/** One entry of `zipArchive`. The optional fields make the archive lie, for hostile-file tests. */
export interface TestZipEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Writes no bytes of its own: the central record points at entry `sharesWith`'s local header (a zip bomb). */
  sharesWith?: number;
  /** CRC-32 to declare instead of the data's. */
  crc?: number;
  /** Uncompressed size to declare instead of the data's. */
  size?: number;
}

/** A minimal zip (no zip64, no data descriptors) with stored or deflated entries, as torch or other tools write it. */
export function zipArchive(entries: TestZipEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  const bodies: { body: Buffer; fields: Parameters<typeof writeEntryFields>[2] }[] = [];
  let offset = 0;
  for (const { name, data, deflate, sharesWith, crc, size } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const shared = sharesWith === undefined ? undefined : bodies[sharesWith]!;
    const body = shared?.body ?? (deflate ? deflateRawSync(data) : Buffer.from(data));
    const fields = shared?.fields ?? {
      method: deflate ? 8 : 0,
      crc: crc ?? crc32(data),
      compressed: body.length,
      size: size ?? data.length,
    };
    bodies.push({ body, fields });
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    writeEntryFields(central, 10, fields);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(sharesWith === undefined ? offset : offsets[sharesWith]!, 42);
    centrals.push(central, nameBytes);
    offsets.push(offset);
    if (sharesWith !== undefined) continue;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    writeEntryFields(local, 8, fields);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, body);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** method, time/date (0), crc, sizes: the run shared by local and central headers. */
function writeEntryFields(
  header: Buffer,
  at: number,
  fields: { method: number; crc: number; compressed: number; size: number },
): void {
  header.writeUInt16LE(fields.method, at);
  header.writeUInt32LE(fields.crc, at + 6);
  header.writeUInt32LE(fields.compressed, at + 10);
  header.writeUInt32LE(fields.size, at + 14);
}
