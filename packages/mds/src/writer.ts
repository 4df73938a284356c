import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@bcmb/core';
import { type Compression, compressShard, parseCompression } from './compression.js';
import { type ColumnCoder, columnCoder, concatBytes } from './encodings.js';
import { MdsEncodeError } from './errors.js';
import { assertHashAlgorithm, hashHex } from './hashing.js';
import type { MdsFileInfo, MdsIndex, MdsShardConfig, MdsShardInfo } from './index-file.js';
import { INDEX_BASENAME, serializeIndex } from './index-file.js';
import { pythonJsonDumps } from './python-json.js';
import { parseSizeLimit } from './size-limit.js';

export interface MdsWriterOptions {
  /** Output folder; created if missing. */
  out: string;
  /** Column name → encoding, e.g. `{ input_ids: 'ndarray:uint16' }`. */
  columns: Record<string, string>;
  /** `zstd`, `zstd:<level>`, `gz`, `br`; default none. */
  compression?: string | null;
  /** Hash algorithms recorded per shard, sorted (e.g. `['sha1', 'xxh3_64']`). */
  hashes?: string[];
  /** Bytes per shard before a new one starts (`"3kb"` style strings too); default 1 << 26; null for one shard. */
  sizeLimit?: number | string | null;
  /** Allow writing into a folder that already has files (like `exist_ok=True`). */
  existOk?: boolean;
  /** Called after each shard file is written. */
  onShard?: (shard: MdsShardInfo) => void;
}

// streaming/base/format/mds/writer.py:54,89: 4 bytes for the sample count + 4 for the final offset, 4 per sample offset.
const SHARD_HEADER_BYTES = 8;
const BYTES_PER_SAMPLE_OFFSET = 4;

/**
 * Writes MDS shards and `index.json` byte for byte like `streaming.MDSWriter`
 * (mosaicml/streaming@89e7bb9082): same shard splitting, header, sample layout, index serialization.
 * Shards are written atomically as they fill; index.json last, on `finish()`.
 */
export class MdsWriter {
  readonly out: string;
  private readonly names: string[];
  private readonly coders: ColumnCoder[];
  private readonly config: MdsShardConfig;
  private readonly configBytes: Uint8Array;
  private readonly compression: Compression | null;
  private readonly sizeLimit: number | null;
  private readonly hashes: string[];
  private readonly onShard: ((shard: MdsShardInfo) => void) | undefined;
  private readonly shards: MdsShardInfo[] = [];
  private samples: Uint8Array[] = [];
  private shardSize: number;
  private finished = false;
  /** Samples written so far. */
  sampleCount = 0;

  private constructor(options: MdsWriterOptions) {
    this.out = options.out;
    this.names = Object.keys(options.columns).sort();
    if (this.names.length === 0) throw new MdsEncodeError('An MDS writer needs at least one column');
    this.coders = this.names.map((name) => columnCoder(options.columns[name] as string));
    this.hashes = [...(options.hashes ?? [])];
    const sorted = [...new Set(this.hashes)].sort();
    if (sorted.join('\n') !== this.hashes.join('\n')) {
      throw new MdsEncodeError(
        `Hashes must be unique and in sorted order, got ${JSON.stringify(this.hashes)}`,
        {
          hint: `Pass ${JSON.stringify(sorted)}`,
        },
      );
    }
    for (const algo of this.hashes) assertHashAlgorithm(algo);
    this.compression = parseCompression(options.compression);
    this.sizeLimit = parseSizeLimit(options.sizeLimit);
    this.onShard = options.onShard;
    this.config = {
      column_encodings: this.coders.map((coder) => coder.encoding),
      column_names: this.names,
      column_sizes: this.coders.map((coder) => coder.size),
      compression: this.compression?.name ?? null,
      format: 'mds',
      hashes: this.hashes,
      size_limit: this.sizeLimit,
      version: 2,
    };
    this.configBytes = new TextEncoder().encode(pythonJsonDumps(this.config, { sortKeys: true }));
    this.shardSize = this.emptyShardSize();
  }

  static async create(options: MdsWriterOptions): Promise<MdsWriter> {
    const writer = new MdsWriter(options);
    if (!options.existOk) {
      const existing = await readdir(options.out).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      if (existing.length > 0) {
        throw new MdsEncodeError(`MDS output folder is not empty: ${options.out}`, {
          hint: 'Choose a new folder or remove the old shards first (streaming.MDSWriter refuses too)',
        });
      }
    }
    return writer;
  }

  private emptyShardSize(): number {
    return SHARD_HEADER_BYTES + this.configBytes.byteLength;
  }

  /** Encodes one sample: u32 sizes of the variable-size columns, then each column's bytes, columns by name. */
  encodeSample(sample: Record<string, unknown>): Uint8Array {
    const sizes: number[] = [];
    const parts: Uint8Array[] = [];
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i] as string;
      if (!(name in sample)) {
        throw new MdsEncodeError(`Sample ${this.sampleCount} has no column ${JSON.stringify(name)}`, {
          hint: `Every sample needs ${this.names.join(', ')}`,
        });
      }
      const coder = this.coders[i] as ColumnCoder;
      const bytes = coder.encode(sample[name]);
      if (coder.size === null) sizes.push(bytes.byteLength);
      else if (bytes.byteLength !== coder.size) {
        throw new MdsEncodeError(
          `Column ${name} (${coder.encoding}) needs ${coder.size} bytes, got ${bytes.byteLength}`,
        );
      }
      parts.push(bytes);
    }
    const header = new Uint8Array(Uint32Array.from(sizes).buffer);
    return concatBytes([header, ...parts]);
  }

  /** Adds a sample; flushes the current shard first when the sample would push it past the size limit. */
  async write(sample: Record<string, unknown>): Promise<void> {
    if (this.finished) throw new MdsEncodeError('This MDS writer is finished; create a new one');
    const encoded = this.encodeSample(sample);
    const added = encoded.byteLength + BYTES_PER_SAMPLE_OFFSET;
    // Like streaming: the check runs even for an empty shard, so an oversize first sample flushes an empty shard.
    if (this.sizeLimit !== null && this.sizeLimit < this.shardSize + added) await this.flushShard();
    this.samples.push(encoded);
    this.shardSize += added;
    this.sampleCount++;
  }

  /** Writes the last shard (if it has samples) and index.json; returns the index. */
  async finish(): Promise<MdsIndex> {
    if (this.finished) throw new MdsEncodeError('This MDS writer is already finished');
    if (this.samples.length > 0) await this.flushShard();
    this.finished = true;
    const index: MdsIndex = { shards: this.shards, version: 2 };
    await writeFileAtomic(join(this.out, INDEX_BASENAME), serializeIndex(index));
    return index;
  }

  private async flushShard(): Promise<void> {
    const n = this.samples.length;
    const offsets = new Uint32Array(n + 2);
    offsets[0] = n;
    let offset = 4 + 4 * (n + 1) + this.configBytes.byteLength;
    for (let i = 0; i < n; i++) {
      offsets[i + 1] = offset;
      offset += (this.samples[i] as Uint8Array).byteLength;
    }
    offsets[n + 1] = offset;
    const raw = concatBytes([new Uint8Array(offsets.buffer), this.configBytes, ...this.samples]);
    const number = String(this.shards.length).padStart(5, '0');
    const rawBasename = `shard.${number}.mds`;
    const rawInfo = await this.fileInfo(raw, rawBasename);
    let zipInfo: MdsFileInfo | null = null;
    if (this.compression !== null) {
      const zipped = await compressShard(this.compression, raw);
      zipInfo = await this.fileInfo(zipped, `${rawBasename}.${this.compression.extension}`);
      await writeFileAtomic(join(this.out, zipInfo.basename), zipped);
    } else {
      await writeFileAtomic(join(this.out, rawBasename), raw);
    }
    const shard: MdsShardInfo = { ...this.config, raw_data: rawInfo, samples: n, zip_data: zipInfo };
    this.shards.push(shard);
    this.samples = [];
    this.shardSize = this.emptyShardSize();
    this.onShard?.(shard);
  }

  private async fileInfo(data: Uint8Array, basename: string): Promise<MdsFileInfo> {
    const hashes: Record<string, string> = {};
    for (const algo of this.hashes) hashes[algo] = await hashHex(algo, data);
    return { basename, bytes: data.byteLength, hashes };
  }
}
