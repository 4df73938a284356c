import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import { MdsEncodeError, MdsFormatError } from './errors.js';

/** A parsed `compression` setting: `zstd`, `zstd:7`, `gz`, `br` (bz2 and snappy are not available here). */
export interface Compression {
  /** As written in index.json, e.g. `zstd:7`. */
  name: string;
  /** File extension added to the shard name (`shard.00000.mds.zstd`). */
  extension: string;
  level: number;
}

// streaming/base/compression.py: default and allowed levels per codec.
const CODECS: Record<string, { levels: [number, number]; defaultLevel: number }> = {
  zstd: { levels: [1, 22], defaultLevel: 3 },
  gz: { levels: [0, 9], defaultLevel: 9 },
  br: { levels: [0, 11], defaultLevel: 11 },
};

export function parseCompression(name: string | null | undefined): Compression | null {
  if (!name) return null;
  const [codec = '', levelText] = name.split(':');
  const spec = CODECS[codec];
  const level = levelText === undefined ? spec?.defaultLevel : Number(levelText);
  if (
    spec === undefined ||
    level === undefined ||
    !Number.isInteger(level) ||
    level < spec.levels[0] ||
    level > spec.levels[1]
  ) {
    throw new MdsEncodeError(`Unsupported compression ${JSON.stringify(name)}`, {
      hint: 'Use zstd (levels 1-22, default 3), gz (0-9) or br (0-11), optionally as <codec>:<level>; bz2 and snappy are not available in bcmb',
    });
  }
  return { name, extension: codec, level };
}

let zstdReady: Promise<void> | undefined;

export async function compressShard(compression: Compression, data: Uint8Array): Promise<Uint8Array> {
  switch (compression.extension) {
    case 'zstd':
      zstdReady ??= zstdInit();
      await zstdReady;
      return zstdCompress(data, compression.level);
    case 'gz':
      return gzipSync(data, { level: compression.level });
    default:
      return brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: compression.level } });
  }
}

export function decompressShard(extension: string, data: Uint8Array, where: string): Uint8Array {
  try {
    if (extension === 'zstd') return zstdDecompress(data);
    if (extension === 'gz') return gunzipSync(data);
    if (extension === 'br') return brotliDecompressSync(data);
  } catch (error) {
    throw new MdsFormatError(`Could not decompress ${extension} shard`, {
      file: where,
      cause: error,
      hint: 'The file is truncated or not a shard of this index',
    });
  }
  throw new MdsFormatError(`Unsupported shard compression ${JSON.stringify(extension)}`, {
    file: where,
    hint: 'bcmb reads zstd, gz and br shards; decompress others with the streaming package first',
  });
}
