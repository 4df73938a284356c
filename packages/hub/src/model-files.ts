import { CONFIG_FILE, TOKENIZER_FILES, WEIGHT_FILES } from '@bcmb/architectures';
import { BcmbError } from '@bcmb/core';

/** Every name whose presence or absence decides what a model needs. */
export const CANDIDATE_FILES: readonly string[] = [CONFIG_FILE, ...WEIGHT_FILES, ...TOKENIZER_FILES];

/** What is known about one file at one commit: in the repo, known not to be, or not known (never asked). */
export type EntryState = 'present' | 'absent' | 'unknown';

export interface FileSelection {
  /** Files to use, index files included; shards come from reading the index. */
  files: string[];
  /** Files that are needed but absent, or whose state must be known before the selection is final. */
  missing: string[];
}

export interface SelectOptions {
  /** Explicit list of files instead of config + weights + tokenizer. */
  requested?: readonly string[];
  /**
   * Strict: every file that could change the selection must be decided (present or absent), as needed to trust
   * a cache without asking the hub. Lenient (offline): take what is present, require only config and weights.
   */
  strict: boolean;
}

/** Picks the files a model needs given what is known about each candidate name. */
export function selectModelFiles(state: (file: string) => EntryState, options: SelectOptions): FileSelection {
  const files: string[] = [];
  const missing: string[] = [];
  const need = (file: string) => (state(file) === 'present' ? files.push(file) : missing.push(file));
  const decide = (file: string) => {
    const s = state(file);
    if (s === 'present') files.push(file);
    else if (s === 'unknown' && options.strict) missing.push(file);
    return s;
  };

  if (options.requested) {
    for (const file of options.requested) need(file);
    return { files, missing };
  }

  need(CONFIG_FILE);

  const weights = WEIGHT_FILES.find((file) => {
    const s = state(file);
    return s === 'present' || (s === 'unknown' && options.strict);
  });
  if (weights === undefined) missing.push(WEIGHT_FILES[0]);
  else need(weights);

  decide('tokenizer_config.json');
  decide('special_tokens_map.json');
  if (decide('tokenizer.json') !== 'present') {
    if (decide('vocab.txt') !== 'present' && decide('vocab.json') === 'present') decide('merges.txt');
  }
  for (const file of TOKENIZER_FILES)
    if (state(file) === 'present' && !files.includes(file)) files.push(file);
  return { files, missing };
}

export function isWeightIndex(file: string): boolean {
  return file.endsWith('.index.json');
}

/** The shard files a `*.index.json` names in its `weight_map`, each once, in first-seen order. */
export function weightShards(indexText: string, indexFile: string): string[] {
  let weightMap: unknown;
  try {
    weightMap = (JSON.parse(indexText) as { weight_map?: unknown }).weight_map;
  } catch (cause) {
    throw new BcmbError('Sharded weight index is not valid JSON', {
      file: indexFile,
      cause,
      hint: 'Delete it from the cache and resolve again',
    });
  }
  if (typeof weightMap !== 'object' || weightMap === null) {
    throw new BcmbError('Sharded weight index has no weight_map object', { file: indexFile });
  }
  const shards = [...new Set(Object.values(weightMap as Record<string, unknown>))];
  for (const shard of shards) {
    if (typeof shard !== 'string' || !isSafeRepoPath(shard)) {
      throw new BcmbError(`Sharded weight index names an unsafe shard path ${JSON.stringify(shard)}`, {
        file: indexFile,
      });
    }
  }
  return shards as string[];
}

/** A relative path inside the repo: no absolute paths, no `..`, no backslashes. */
export function isSafeRepoPath(path: string): boolean {
  return (
    path.length > 0 &&
    !path.startsWith('/') &&
    !path.includes('\\') &&
    path.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

/** Names missing files for a message; a missing `model.safetensors` stands for any supported weights. */
export function describeMissing(missing: readonly string[]): string {
  return missing
    .map((file) => (file === WEIGHT_FILES[0] ? `${file} (or ${WEIGHT_FILES.slice(1).join(', ')})` : file))
    .join(', ');
}
