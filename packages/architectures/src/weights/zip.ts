import { type FileHandle, open } from 'node:fs/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { CheckpointFormatError } from './errors.js';
import { readExactly } from './file-io.js';

/** Zip method 0: the entry is stored as is (torch.save writes every entry this way). */
const STORED = 0;

/** yauzl ≥ 3 API that @types/yauzl (2.x) does not describe yet. */
interface LocalHeaderReader {
  readLocalFileHeader(
    entry: Entry,
    options: { minimal: true },
    callback: (error: Error | null, header: { fileDataStart: number }) => void,
  ): void;
}

/** Deflate cannot expand data by more than about 1032:1, so a larger claimed size is a lie, not a big entry. */
const MAX_DEFLATE_RATIO = 1032;

/** A zip archive opened for random access: entries are listed from the central directory and read one at a time. */
export class ZipArchive {
  private constructor(
    private readonly zip: ZipFile,
    private readonly handle: FileHandle,
    readonly file: string,
    readonly entries: ReadonlyMap<string, Entry>,
  ) {}

  static async open(file: string): Promise<ZipArchive> {
    const zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, opened) =>
        error ? reject(wrapZipError(error, file)) : resolve(opened),
      ),
    );
    const handle = await open(file, 'r');
    try {
      return new ZipArchive(zip, handle, file, await listEntries(zip, file));
    } catch (error) {
      zip.close();
      await handle.close();
      throw error;
    }
  }

  /** Reads a whole entry into a fresh, exactly sized buffer (its own ArrayBuffer, so typed views over it align). */
  async read(name: string): Promise<Uint8Array> {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      throw new CheckpointFormatError(`zip archive has no entry "${name}"`, {
        file: this.file,
        hint: 'The checkpoint is incomplete; download it again',
      });
    }
    if (entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO) {
      throw new CheckpointFormatError(
        `zip entry "${name}" claims ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed bytes`,
        { file: this.file, hint: 'The archive is corrupt or hostile; download it again' },
      );
    }
    const target = new Uint8Array(entry.uncompressedSize);
    if (
      entry.compressionMethod === STORED &&
      entry.compressedSize === entry.uncompressedSize &&
      !entry.isEncrypted()
    ) {
      // One positioned read straight into the target: several times faster than yauzl's chunked stream.
      await readExactly(this.handle, target, await this.dataStart(entry), this.file);
      return target;
    }
    let filled = 0;
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      this.zip.openReadStream(entry, (error, opened) =>
        error ? reject(wrapZipError(error, this.file)) : resolve(opened),
      ),
    );
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        // yauzl validates the byte count against the entry's declared size, so this never overflows.
        target.set(chunk, filled);
        filled += chunk.length;
      }
    } catch (error) {
      throw wrapZipError(error as Error, this.file);
    }
    return target;
  }

  private dataStart(entry: Entry): Promise<number> {
    return new Promise((resolve, reject) =>
      (this.zip as unknown as LocalHeaderReader).readLocalFileHeader(
        entry,
        { minimal: true },
        (error, header) => (error ? reject(wrapZipError(error, this.file)) : resolve(header.fileDataStart)),
      ),
    );
  }

  async close(): Promise<void> {
    this.zip.close();
    await this.handle.close();
  }
}

function listEntries(zip: ZipFile, file: string): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, Entry>();
    zip.on('entry', (entry: Entry) => {
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: Error) => reject(wrapZipError(error, file)));
    zip.readEntry();
  });
}

function wrapZipError(error: Error, file: string): CheckpointFormatError {
  if (error instanceof CheckpointFormatError) return error;
  return new CheckpointFormatError(`cannot read the zip archive: ${error.message}`, {
    file,
    hint: 'The checkpoint is truncated or corrupt; download it again',
    cause: error,
  });
}
