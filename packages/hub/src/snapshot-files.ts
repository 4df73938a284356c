import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isFile } from './cache-layout.js';
import {
  type EntryState,
  type FileSelection,
  isWeightIndex,
  type SelectOptions,
  selectModelFiles,
  weightShards,
} from './model-files.js';

/** Regular files under `dir` (symlinks followed; dangling ones left out), as `/`-separated relative paths. */
export async function listFilesUnder(dir: string): Promise<Set<string>> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const files = new Set<string>();
  for (const entry of entries) {
    if (await isFile(join(dir, entry))) files.add(entry.split(sep).join('/'));
  }
  return files;
}

/** What a directory (and optionally a `.no_exist` directory) says about each file. */
export function stateFrom(
  present: Set<string>,
  absent: Set<string> | 'everything-else',
): (file: string) => EntryState {
  return (file) => {
    if (present.has(file)) return 'present';
    return absent === 'everything-else' || absent.has(file) ? 'absent' : 'unknown';
  };
}

/** `selectModelFiles`, then the shards each selected `*.index.json` in `dir` names. */
export async function selectInDirectory(
  dir: string,
  state: (file: string) => EntryState,
  options: SelectOptions,
): Promise<FileSelection> {
  const selection = selectModelFiles(state, options);
  for (const index of selection.files.filter(isWeightIndex)) {
    const path = join(dir, ...index.split('/'));
    for (const shard of weightShards(await readFile(path, 'utf8'), path)) {
      (state(shard) === 'present' ? selection.files : selection.missing).push(shard);
    }
  }
  return selection;
}
