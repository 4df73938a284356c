import { realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { verifyCachedBlob } from './blob-integrity.js';
import { RepoCache } from './cache-layout.js';
import { HubCacheMissError, HubNetworkError, HubNotFoundError } from './errors.js';
import { describeMissing } from './model-files.js';
import { type HubSettingsOverrides, hubSettings } from './settings.js';
import { downloadSnapshot, type SnapshotOptions } from './snapshot-download.js';
import { listFilesUnder, selectInDirectory, stateFrom } from './snapshot-files.js';

/** transformers' default revision. */
export const DEFAULT_REVISION = 'main';

export interface ResolveModelOptions extends HubSettingsOverrides, SnapshotOptions {
  /** Branch, tag or commit id; default `main`. */
  revision?: string;
}

export interface ResolvedModel {
  /** Directory holding the files: the local dir, or `snapshots/<commit>` in the cache. */
  dir: string;
  source: 'local' | 'cache' | 'download';
  repoId?: string;
  commit?: string;
  /** Repo-relative paths of the files the model uses, all present under `dir`. */
  files: string[];
}

/**
 * Resolves `--model` like transformers' `from_pretrained`: an existing local directory; else the Hugging Face cache
 * (shared with Python); else a download from the hub into that cache. Offline mode never touches the network.
 */
export async function resolveModel(
  idOrPath: string,
  options: ResolveModelOptions = {},
): Promise<ResolvedModel> {
  const local = await localDirectory(idOrPath, options);
  if (local) return local;
  const repoId = parseRepoId(idOrPath);
  const settings = hubSettings(options);
  const revision = options.revision ?? DEFAULT_REVISION;
  const cache = new RepoCache(settings.cacheDir, repoId);

  const cached = await fromCache(cache, revision, options, !settings.offline);
  if ('model' in cached) return cached.model;
  if (settings.offline) {
    throw new HubCacheMissError(
      `Offline mode: ${repoId} at revision ${revision} is not complete in the Hugging Face cache, missing ${describeMissing(cached.missing)}`,
      cached.missing,
      {
        file: cached.where,
        hint: 'Run once online (without HF_HUB_OFFLINE or --offline) to download it, or point HF_HUB_CACHE at a cache that has it',
      },
    );
  }
  try {
    const snapshot = await downloadSnapshot(cache, revision, settings, options);
    return {
      dir: cache.snapshotDir(snapshot.commit),
      source: snapshot.downloaded ? 'download' : 'cache',
      repoId,
      commit: snapshot.commit,
      files: snapshot.files,
    };
  } catch (error) {
    // Like huggingface_hub when the hub cannot be reached: fall back to what the cache has, if that is enough.
    if (!(error instanceof HubNetworkError)) throw error;
    const fallback = await fromCache(cache, revision, options, false);
    if ('model' in fallback) return fallback.model;
    throw error;
  }
}

async function localDirectory(
  path: string,
  options: ResolveModelOptions,
): Promise<ResolvedModel | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return undefined;
  const dir = resolve(path);
  const selection = await selectInDirectory(dir, stateFrom(await listFilesUnder(dir), 'everything-else'), {
    strict: false,
    requested: options.files,
  });
  if (selection.missing.length > 0) {
    throw new HubNotFoundError(`Model directory lacks ${describeMissing(selection.missing)}`, 'file', {
      file: dir,
      hint: 'Pass a directory saved with save_pretrained (config.json plus weights), or a hub id',
    });
  }
  return { dir, source: 'local', files: selection.files };
}

/** Hub ids as the hub accepts them: `name` or `org/name`, no `--` or `..`. */
const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

function parseRepoId(idOrPath: string): string {
  if (REPO_ID.test(idOrPath) && !idOrPath.includes('--') && !idOrPath.includes('..')) return idOrPath;
  throw new HubNotFoundError(
    `${JSON.stringify(idOrPath)} is neither an existing directory nor a hub model id`,
    'path',
    {
      hint: 'Pass a local model directory or an id such as emilyalsentzer/Bio_ClinicalBERT',
    },
  );
}

type CacheLookup = { model: ResolvedModel } | { missing: string[]; where: string };

async function fromCache(
  cache: RepoCache,
  revision: string,
  options: ResolveModelOptions,
  strict: boolean,
): Promise<CacheLookup> {
  const commit = await cache.commitFor(revision);
  if (commit === undefined) return { missing: [`refs/${revision}`], where: cache.root };
  const dir = cache.snapshotDir(commit);
  const state = stateFrom(await listFilesUnder(dir), await listFilesUnder(cache.noExistDir(commit)));
  const selection = await selectInDirectory(dir, state, { strict, requested: options.files });
  if (selection.missing.length > 0) return { missing: selection.missing, where: dir };
  if (options.verify) {
    for (const file of selection.files) {
      const blob = await realpath(cache.snapshotFile(commit, file));
      await verifyCachedBlob(blob, basename(blob), undefined, true);
    }
  }
  return { model: { dir, source: 'cache', repoId: cache.repoId, commit, files: selection.files } };
}
