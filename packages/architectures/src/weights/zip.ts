import { type FileHandle, open } from 'node:fs/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { crc32 } from './crc32.js';
import { CheckpointFormatError } from './errors.js';
import { readExactly } from './file-io.js';

/**
 * A small, strict zip reader for PyTorch checkpoints. Everything it does runs in promises the caller awaits, so
 * any failure is a `CheckpointFormatError` the caller can catch (never an exception thrown inside a callback).
 *
 * Beyond what a zip needs to be read, it refuses what could make bcmb and PyTorch disagree about a file or let a
 * small file cost a lot of memory: duplicate entry names (torch reads the first, a map keeps the last), entries
 * whose bytes overlap (one deflate stream shared by many entries is the classic zip bomb), entries whose CRC-32
 * does not match, and inflation past the entry's declared size. Like torch (miniz), it accepts bytes appended
 * after the archive.
 */

/** Zip method 0: the entry is stored as is (torch.save writes every entry this way). */
const STORED = 0;
/** Zip method 8: raw deflate, which other writers use. */
const DEFLATED = 8;

/** Deflate cannot expand data by more than about 1032:1, so a larger claimed size is a lie, not a big entry. */
const MAX_DEFLATE_RATIO = 1032;

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_BYTES = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_BYTES = 30;
/** The end record sits in the last 22 bytes plus a comment of at most 65535 bytes (or as many trailing bytes). */
const MAX_TAIL_SEARCH = EOCD_BYTES + 0xffff;

/** One entry as the central directory describes it, with its data located from its local header. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Offset of the entry's local header. */
  readonly localHeaderOffset: number;
  /** Offset of the entry's (possibly compressed) bytes. */
  readonly dataStart: number;
}

export interface ZipReadOptions {
  /** The size the caller knows the entry must have (e.g. a storage's numel × element size); anything else is refused. */
  expectedSize?: number;
  /** The largest entry the caller accepts when it does not know the exact size. */
  maxSize?: number;
}

const inflateRaw = promisify(zlib.inflateRaw);

/** A zip archive opened for random access: entries are listed from the central directory and read one at a time. */
export class ZipArchive {
  private constructor(
    private readonly handle: FileHandle,
    readonly file: string,
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  static async open(file: string): Promise<ZipArchive> {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      return new ZipArchive(handle, file, await readDirectory(handle, size, file));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Reads a whole entry into a fresh, exactly sized buffer (its own ArrayBuffer, so typed views over it align). */
  async read(name: string, options: ZipReadOptions = {}): Promise<Uint8Array> {
    const entry = this.entries.get(name);
    const corrupt = (what: string, hint = 'The archive is corrupt or hostile; download it again') =>
      new CheckpointFormatError(`zip entry "${name}" ${what}`, { file: this.file, hint });
    if (entry === undefined) {
      throw new CheckpointFormatError(`zip archive has no entry "${name}"`, {
        file: this.file,
        hint: 'The checkpoint is incomplete; download it again',
      });
    }
    const { expectedSize, maxSize } = options;
    if (expectedSize !== undefined && entry.uncompressedSize !== expectedSize) {
      throw corrupt(
        `holds ${entry.uncompressedSize} bytes where the checkpoint announces ${expectedSize}`,
        'The checkpoint is corrupt; download it again',
      );
    }
    if (maxSize !== undefined && entry.uncompressedSize > maxSize) {
      throw corrupt(`claims ${entry.uncompressedSize} bytes, more than the ${maxSize} bytes it may hold`);
    }
    let target: Uint8Array;
    if (entry.method === STORED) {
      if (entry.compressedSize !== entry.uncompressedSize) {
        throw corrupt(
          `is stored (not compressed) but claims ${entry.compressedSize} bytes in the file and ${entry.uncompressedSize} read`,
        );
      }
      target = new Uint8Array(entry.uncompressedSize);
      // One positioned read straight into the target.
      await readExactly(this.handle, target, entry.dataStart, this.file);
    } else {
      if (entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO) {
        throw corrupt(`claims ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed bytes`);
      }
      const compressed = new Uint8Array(entry.compressedSize);
      await readExactly(this.handle, compressed, entry.dataStart, this.file);
      let inflated: Buffer;
      try {
        // One byte more than declared, so a stream that inflates past its declared size is caught, not truncated.
        inflated = await inflateRaw(compressed, { maxOutputLength: Math.max(1, entry.uncompressedSize + 1) });
      } catch (error) {
        throw new CheckpointFormatError(
          `zip entry "${name}" cannot be inflated: ${(error as Error).message ?? String(error)}`,
          {
            file: this.file,
            hint: 'The archive is corrupt or inflates past its declared size; download it again',
            cause: error,
          },
        );
      }
      if (inflated.length !== entry.uncompressedSize) {
        throw corrupt(`inflates to ${inflated.length} bytes but declares ${entry.uncompressedSize}`);
      }
      target = new Uint8Array(inflated.length);
      target.set(inflated);
    }
    const actual = crc32(target);
    if (actual !== entry.crc32) {
      throw corrupt(
        `fails its CRC-32 check (stored ${hex32(entry.crc32)}, computed ${hex32(actual)})`,
        'The file was damaged in transit or on disk; download it again',
      );
    }
    return target;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** Where the central directory is and how many entries it lists, from the (zip64) end records. */
interface DirectoryLocation {
  count: number;
  size: number;
  offset: number;
  /** Offset of the first end record (zip64 or not): the central directory must end before it. */
  end: number;
}

async function readDirectory(
  handle: FileHandle,
  fileSize: number,
  file: string,
): Promise<Map<string, ZipEntry>> {
  const corrupt = (what: string, hint = 'The checkpoint is truncated or corrupt; download it again') =>
    new CheckpointFormatError(`zip archive ${what}`, { file, hint });
  const where = await locateDirectory(handle, fileSize, file);
  if (where.offset + where.size > where.end) {
    throw corrupt(
      `central directory (offset ${where.offset}, ${where.size} bytes) runs past its end record at ${where.end}`,
    );
  }
  if (where.count * CENTRAL_BYTES > where.size) {
    throw corrupt(`lists ${where.count} entries in a ${where.size}-byte central directory`);
  }
  const directory = new Uint8Array(where.size);
  await readExactly(handle, directory, where.offset, file);
  const view = new DataView(directory.buffer);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const entries = new Map<string, ZipEntry>();
  const located: { name: string; localHeaderOffset: number; compressedSize: number }[] = [];
  let pos = 0;
  for (let index = 0; index < where.count; index++) {
    if (pos + CENTRAL_BYTES > directory.length || view.getUint32(pos, true) !== CENTRAL_SIGNATURE) {
      throw corrupt(`central directory entry ${index} of ${where.count} is missing or damaged`);
    }
    const flags = view.getUint16(pos + 8, true);
    const method = view.getUint16(pos + 10, true);
    const crc = view.getUint32(pos + 16, true);
    let compressedSize = view.getUint32(pos + 20, true);
    let uncompressedSize = view.getUint32(pos + 24, true);
    const nameLength = view.getUint16(pos + 28, true);
    const extraLength = view.getUint16(pos + 30, true);
    const commentLength = view.getUint16(pos + 32, true);
    let localHeaderOffset = view.getUint32(pos + 42, true);
    const next = pos + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (next > directory.length) throw corrupt(`central directory entry ${index} runs past the directory`);
    let name: string;
    try {
      name = utf8.decode(directory.subarray(pos + CENTRAL_BYTES, pos + CENTRAL_BYTES + nameLength));
    } catch {
      throw corrupt(`entry ${index} has a name that is not valid UTF-8`);
    }
    // zip64 extended information: 64-bit values for exactly the fields that hold 0xFFFFFFFF, in this order.
    const extraStart = pos + CENTRAL_BYTES + nameLength;
    for (let at = extraStart; at + 4 <= extraStart + extraLength; ) {
      const id = view.getUint16(at, true);
      const length = view.getUint16(at + 2, true);
      if (at + 4 + length > extraStart + extraLength)
        throw corrupt(`entry "${printable(name)}" has a damaged extra field`);
      if (id === 0x0001) {
        let field = at + 4;
        const wide = (narrow: number, label: string): number => {
          if (narrow !== 0xffffffff) return narrow;
          if (field + 8 > at + 4 + length)
            throw corrupt(`entry "${printable(name)}" has a short zip64 extra field`);
          const value = view.getBigUint64(field, true);
          field += 8;
          if (
            value > BigInt(fileSize) * BigInt(MAX_DEFLATE_RATIO) ||
            value > BigInt(Number.MAX_SAFE_INTEGER)
          ) {
            throw corrupt(`entry "${printable(name)}" claims a ${label} of ${value}`);
          }
          return Number(value);
        };
        uncompressedSize = wide(uncompressedSize, 'size');
        compressedSize = wide(compressedSize, 'compressed size');
        localHeaderOffset = wide(localHeaderOffset, 'header offset');
      }
      at += 4 + length;
    }
    if (flags & 0x1)
      throw corrupt(`entry "${printable(name)}" is encrypted`, 'Checkpoints are never encrypted');
    if (method !== STORED && method !== DEFLATED) {
      throw corrupt(
        `entry "${printable(name)}" uses compression method ${method}`,
        'Only stored and deflated entries are read; re-save the checkpoint with torch.save',
      );
    }
    if (entries.has(name)) {
      throw corrupt(
        `holds two entries named "${printable(name)}"`,
        'PyTorch would read the first and other tools the last, so the file is refused; re-save it with torch.save',
      );
    }
    entries.set(name, {
      name,
      method,
      crc32: crc,
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
      dataStart: -1,
    });
    located.push({ name, localHeaderOffset, compressedSize });
    pos = next;
  }

  // Each entry's bytes must lie between its local header and the next entry, with no two entries sharing bytes.
  located.sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  const header = new Uint8Array(LOCAL_BYTES);
  const headerView = new DataView(header.buffer);
  let previousEnd = 0;
  let previousName = '';
  for (const { name, localHeaderOffset, compressedSize } of located) {
    if (localHeaderOffset < previousEnd) {
      throw corrupt(
        `entries "${printable(previousName)}" and "${printable(name)}" overlap`,
        'Overlapping entries are how zip bombs share one stream; the file is refused',
      );
    }
    if (localHeaderOffset + LOCAL_BYTES > where.offset) {
      throw corrupt(`entry "${printable(name)}" starts inside the central directory`);
    }
    await readExactly(handle, header, localHeaderOffset, file);
    if (headerView.getUint32(0, true) !== LOCAL_SIGNATURE) {
      throw corrupt(`entry "${printable(name)}" has no local header at offset ${localHeaderOffset}`);
    }
    const nameLength = headerView.getUint16(26, true);
    const extraLength = headerView.getUint16(28, true);
    const nameBytes = new Uint8Array(nameLength);
    await readExactly(handle, nameBytes, localHeaderOffset + LOCAL_BYTES, file);
    if (Buffer.compare(nameBytes, Buffer.from(name, 'utf8')) !== 0) {
      throw corrupt(`entry "${printable(name)}" has a different name in its local header`);
    }
    const dataStart = localHeaderOffset + LOCAL_BYTES + nameLength + extraLength;
    const dataEnd = dataStart + compressedSize;
    if (dataEnd > where.offset) {
      throw corrupt(
        `entry "${printable(name)}" (${compressedSize} bytes at ${dataStart}) runs into the central directory`,
      );
    }
    const entry = entries.get(name)!;
    entries.set(name, { ...entry, dataStart });
    previousEnd = dataEnd;
    previousName = name;
  }
  return entries;
}

async function locateDirectory(
  handle: FileHandle,
  fileSize: number,
  file: string,
): Promise<DirectoryLocation> {
  const corrupt = (what: string) =>
    new CheckpointFormatError(`zip archive ${what}`, {
      file,
      hint: 'The checkpoint is truncated or corrupt; download it again',
    });
  const tailLength = Math.min(fileSize, MAX_TAIL_SEARCH);
  const tail = new Uint8Array(tailLength);
  await readExactly(handle, tail, fileSize - tailLength, file);
  const view = new DataView(tail.buffer);
  // The last end record wins, as in miniz; anything after it (a comment, or appended bytes) is ignored.
  let at = tailLength - EOCD_BYTES;
  for (; at >= 0; at--) if (view.getUint32(at, true) === EOCD_SIGNATURE) break;
  if (at < 0) {
    throw corrupt(
      fileSize < EOCD_BYTES
        ? `is ${fileSize} bytes long, shorter than a zip end record`
        : 'has no end-of-central-directory record in its last 64 KiB',
    );
  }
  const eocdOffset = fileSize - tailLength + at;
  const location: DirectoryLocation = {
    count: view.getUint16(at + 10, true),
    size: view.getUint32(at + 12, true),
    offset: view.getUint32(at + 16, true),
    end: eocdOffset,
  };
  if (view.getUint16(at + 4, true) !== 0 || view.getUint16(at + 6, true) !== 0) {
    throw corrupt('spans several disks, which checkpoints never do');
  }
  if (
    at < ZIP64_LOCATOR_BYTES ||
    view.getUint32(at - ZIP64_LOCATOR_BYTES, true) !== ZIP64_LOCATOR_SIGNATURE
  ) {
    return location;
  }
  // A zip64 locator sits right before the end record; torch.save always writes one. Its record then rules.
  const locator = at - ZIP64_LOCATOR_BYTES;
  const recordOffset = view.getBigUint64(locator + 8, true);
  if (recordOffset + BigInt(ZIP64_EOCD_BYTES) > BigInt(eocdOffset - ZIP64_LOCATOR_BYTES)) {
    throw corrupt(`zip64 locator points at offset ${recordOffset}, past where its record can be`);
  }
  const record = new Uint8Array(ZIP64_EOCD_BYTES);
  await readExactly(handle, record, Number(recordOffset), file);
  const recordView = new DataView(record.buffer);
  if (recordView.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
    throw corrupt(`zip64 locator points at offset ${recordOffset}, where there is no zip64 end record`);
  }
  const field = (offset: number, label: string): number => {
    const value = recordView.getBigUint64(offset, true);
    if (value > BigInt(fileSize)) throw corrupt(`zip64 end record claims a ${label} of ${value}`);
    return Number(value);
  };
  return {
    count: field(32, 'entry count'),
    size: field(40, 'central directory size'),
    offset: field(48, 'central directory offset'),
    end: Number(recordOffset),
  };
}

/** An entry name as it can be printed: control characters and non-ASCII bytes escaped, long names cut. */
function printable(name: string): string {
  const escaped = JSON.stringify(name).slice(1, -1);
  return escaped.length > 120 ? `${escaped.slice(0, 117)}...` : escaped;
}
