import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { CheckpointFormatError } from './errors.js';

/** A zip archive opened for random access: entries are listed from the central directory and read one at a time. */
export class ZipArchive {
  private constructor(
    private readonly zip: ZipFile,
    readonly file: string,
    readonly entries: ReadonlyMap<string, Entry>,
  ) {}

  static async open(file: string): Promise<ZipArchive> {
    const zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, opened) =>
        error ? reject(wrapZipError(error, file)) : resolve(opened),
      ),
    );
    try {
      return new ZipArchive(zip, file, await listEntries(zip, file));
    } catch (error) {
      zip.close();
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
    const target = new Uint8Array(entry.uncompressedSize);
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

  close(): void {
    this.zip.close();
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
