import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decompressShard } from './compression.js';
import { type ColumnCoder, columnCoder, type MdsValue } from './encodings.js';
import { MdsFormatError } from './errors.js';
import { hashHex, isHashAlgorithm } from './hashing.js';
import { INDEX_BASENAME, type MdsFileInfo, type MdsIndex, type MdsShardInfo } from './index-file.js';

export type MdsSample = Record<string, MdsValue>;

export interface MdsReaderOptions {
  /** Check every hash index.json lists for a shard file when it is loaded (default true). */
  verifyHashes?: boolean;
  /** How many decoded shard files to keep in memory for random access (default 2). */
  cachedShards?: number;
}

interface LoadedShard {
  bytes: Uint8Array;
  view: DataView;
}

/**
 * Reads an MDS dataset folder (index.json + shards) the way `streaming`'s MDSReader does:
 * raw `.mds` files, or compressed ones (`.mds.zstd`, `.gz`, `.br`) decompressed in memory.
 * Shards are loaded one at a time, so iteration needs memory for one shard, not the dataset.
 */
export class MdsDataset {
  readonly dir: string;
  readonly index: MdsIndex;
  /** Total samples over all shards. */
  readonly size: number;
  private readonly starts: number[];
  private readonly coders: ColumnCoder[][];
  private readonly verify: boolean;
  private readonly cacheSize: number;
  private readonly cache = new Map<number, LoadedShard>();

  private constructor(dir: string, index: MdsIndex, options: MdsReaderOptions) {
    this.dir = dir;
    this.index = index;
    this.verify = options.verifyHashes ?? true;
    this.cacheSize = Math.max(1, options.cachedShards ?? 2);
    this.starts = [];
    let total = 0;
    for (const shard of index.shards) {
      this.starts.push(total);
      total += shard.samples;
    }
    this.size = total;
    this.coders = index.shards.map((shard, i) => {
      if (shard.format !== 'mds') {
        throw new MdsFormatError(`Shard ${i} has format ${JSON.stringify(shard.format)}, not "mds"`, {
          file: join(dir, INDEX_BASENAME),
          hint: 'bcmb reads MDS datasets only (not csv/jsonl/xsv shards)',
        });
      }
      return shard.column_encodings.map((encoding) => columnCoder(encoding));
    });
  }

  static async open(dir: string, options: MdsReaderOptions = {}): Promise<MdsDataset> {
    const path = join(dir, INDEX_BASENAME);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new MdsFormatError('No MDS index.json found', {
        file: path,
        cause: error,
        hint: 'Point at the folder that holds index.json and the shard.NNNNN.mds files (bcmb pretrain prepare writes one)',
      });
    }
    let index: MdsIndex;
    try {
      index = JSON.parse(text) as MdsIndex;
    } catch (error) {
      throw new MdsFormatError('index.json is not valid JSON', { file: path, cause: error });
    }
    if (index?.version !== 2 || !Array.isArray(index.shards)) {
      throw new MdsFormatError(
        `index.json has version ${JSON.stringify(index?.version)}, expected 2 with a shards list`,
        {
          file: path,
          hint: 'Write the dataset with streaming >= 0.4 or bcmb',
        },
      );
    }
    return new MdsDataset(dir, index, options);
  }

  /** Column names (sorted, as stored). */
  get columns(): string[] {
    return this.index.shards[0]?.column_names ?? [];
  }

  /** The sample at global index `i` (shards in order). */
  async get(i: number): Promise<MdsSample> {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`Sample index ${i} out of range [0, ${this.size})`);
    }
    const shard = this.shardOf(i);
    const loaded = await this.loadShard(shard);
    return this.decode(shard, loaded, i - (this.starts[shard] as number));
  }

  /** Every sample in order, one shard in memory at a time. */
  async *samples(): AsyncGenerator<MdsSample> {
    for (let shard = 0; shard < this.index.shards.length; shard++) {
      const loaded = await this.loadShard(shard);
      const count = (this.index.shards[shard] as MdsShardInfo).samples;
      for (let j = 0; j < count; j++) yield this.decode(shard, loaded, j);
    }
  }

  private shardOf(i: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private decode(shard: number, loaded: LoadedShard, j: number): MdsSample {
    const info = this.index.shards[shard] as MdsShardInfo;
    const begin = loaded.view.getUint32(4 + 4 * j, true);
    const end = loaded.view.getUint32(8 + 4 * j, true);
    const data = loaded.bytes.subarray(begin, end);
    const coders = this.coders[shard] as ColumnCoder[];
    const sizes: number[] = [];
    let idx = 0;
    for (const coder of coders) {
      if (coder.size !== null) sizes.push(coder.size);
      else {
        if (idx + 4 > data.byteLength)
          throw this.corrupt(info, `sample ${j} is shorter than its size header`);
        sizes.push(new DataView(data.buffer, data.byteOffset + idx, 4).getUint32(0, true));
        idx += 4;
      }
    }
    const sample: MdsSample = {};
    for (let c = 0; c < coders.length; c++) {
      const size = sizes[c] as number;
      if (idx + size > data.byteLength)
        throw this.corrupt(info, `sample ${j} column ${info.column_names[c]} runs past the sample`);
      sample[info.column_names[c] as string] = (coders[c] as ColumnCoder).decode(
        data.subarray(idx, idx + size),
      );
      idx += size;
    }
    return sample;
  }

  private corrupt(info: MdsShardInfo, what: string): MdsFormatError {
    return new MdsFormatError(`Corrupt MDS shard: ${what}`, {
      file: join(this.dir, info.raw_data.basename),
      hint: 'Re-create the shard; it does not match its index.json',
    });
  }

  private async loadShard(shard: number): Promise<LoadedShard> {
    const cached = this.cache.get(shard);
    if (cached !== undefined) return cached;
    const info = this.index.shards[shard] as MdsShardInfo;
    const rawPath = join(this.dir, info.raw_data.basename);
    let bytes: Uint8Array;
    const hasRaw = await stat(rawPath).then(
      (s) => s.isFile(),
      () => false,
    );
    if (hasRaw || info.zip_data === null) {
      bytes = await this.readChecked(info.raw_data, rawPath);
    } else {
      const zipPath = join(this.dir, info.zip_data.basename);
      const zipped = await this.readChecked(info.zip_data, zipPath);
      const extension = info.zip_data.basename.slice(info.zip_data.basename.lastIndexOf('.') + 1);
      bytes = decompressShard(extension, zipped, zipPath);
      await this.check(info.raw_data, bytes, `${zipPath} (decompressed)`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = bytes.byteLength >= 4 ? view.getUint32(0, true) : -1;
    if (
      n !== info.samples ||
      bytes.byteLength < 8 + 4 * n ||
      view.getUint32(4 + 4 * n, true) !== bytes.byteLength
    ) {
      throw this.corrupt(
        info,
        `header says ${n} samples / end offset mismatch, index.json says ${info.samples} samples`,
      );
    }
    const loaded = { bytes, view };
    this.cache.set(shard, loaded);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as number);
    return loaded;
  }

  private async readChecked(info: MdsFileInfo, path: string): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      throw new MdsFormatError(`MDS shard listed in index.json is missing: ${info.basename}`, {
        file: path,
        cause: error,
        hint: 'Copy the whole dataset folder (index.json and every shard file)',
      });
    }
    await this.check(info, bytes, path);
    return bytes;
  }

  private async check(info: MdsFileInfo, bytes: Uint8Array, path: string): Promise<void> {
    if (bytes.byteLength !== info.bytes) {
      throw new MdsFormatError(`MDS shard has ${bytes.byteLength} bytes, index.json says ${info.bytes}`, {
        file: path,
        hint: 'The file is truncated or from another dataset; re-create or re-copy it',
      });
    }
    if (!this.verify) return;
    for (const [algo, expected] of Object.entries(info.hashes ?? {})) {
      if (!isHashAlgorithm(algo)) continue;
      const actual = await hashHex(algo, bytes);
      if (actual !== expected) {
        throw new MdsFormatError(
          `MDS shard fails its ${algo} check: ${actual} != ${expected} in index.json`,
          {
            file: path,
            hint: 'The file is corrupt or from another dataset; re-create or re-copy it',
          },
        );
      }
    }
  }
}
