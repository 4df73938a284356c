import { pythonJsonDumps } from './python-json.js';

// streaming/base/format/index.py: get_index_basename().
export const INDEX_BASENAME = 'index.json';

export interface MdsFileInfo {
  basename: string;
  bytes: number;
  hashes: Record<string, string>;
}

/** The shard config written in each shard header (json.dumps(get_config(), sort_keys=True)). */
export interface MdsShardConfig {
  column_encodings: string[];
  column_names: string[];
  column_sizes: (number | null)[];
  compression: string | null;
  format: 'mds';
  hashes: string[];
  size_limit: number | null;
  version: 2;
}

/** One entry of index.json `shards`. */
export interface MdsShardInfo extends MdsShardConfig {
  raw_data: MdsFileInfo;
  samples: number;
  zip_data: MdsFileInfo | null;
}

export interface MdsIndex {
  shards: MdsShardInfo[];
  version: 2;
}

/** index.json bytes as streaming writes them: json.dumps(obj, sort_keys=True), no trailing newline. */
export function serializeIndex(index: MdsIndex): string {
  return pythonJsonDumps(index, { sortKeys: true });
}
