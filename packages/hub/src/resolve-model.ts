import { realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { modelInfo } from '@huggingface/hub';
import { verifyCachedBlob } from './blob-integrity.js';
import { withBlobLock } from './blob-lock.js';
import { isCommitHash, isFile, RepoCache } from './cache-layout.js';
import { type DownloadProgress, downloadBlob } from './download.js';
import { HubAccessError, HubCacheMissError, HubNotFoundError, HubProtocolError } from './errors.js';
import { fetchFileMetadata, guardedFetch, isSameOrHubHost, type RequestContext } from './http.js';
import { CANDIDATE_FILES, selectModelFiles, WEIGHT_FILES } from './model-files.js';
import { type HubSettings, type HubSettingsOverrides, hubSettings } from './settings.js';
import { listFilesUnder, selectInDirectory, stateFrom } from './snapshot-files.js';

/** transformers' default revision. */
export const DEFAULT_REVISION = 'main';

export interface ResolveModelOptions extends HubSettingsOverrides {
  /** Branch, tag or commit id; default `main`. */
  revision?: string;
  /** Fetch exactly these repo files instead of config + weights + tokenizer. */
  files?: readonly string[];
  /** Called as bytes arrive; a TTY progress bar per file is drawn on stderr regardless. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Re-hash cached blobs against their ETags (sha256 for LFS files, git sha1 otherwise) before using them. */
  verify?: boolean;
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
  return download(cache, revision, settings, options);
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

async function download(
  cache: RepoCache,
  revision: string,
  settings: HubSettings,
  options: ResolveModelOptions,
): Promise<ResolvedModel> {
  const { repoId } = cache;
  const context: RequestContext = {
    endpoint: settings.endpoint,
    repoId,
    revision,
    authenticated: settings.token !== undefined,
  };
  const { commit, listing } = await repoListing(context, settings.token);
  const state = stateFrom(listing, 'everything-else');
  const select = { strict: true, requested: options.files };
  const fetcher = new SnapshotFetcher(
    cache,
    commit,
    { ...context, revision: commit },
    settings.token,
    options,
  );
  const notInRepo = (missing: string[]) =>
    new HubNotFoundError(`${repoId} at revision ${revision} has no ${describeMissing(missing)}`, 'file', {
      hint: `See the files at ${settings.endpoint}/${repoId}/tree/${revision}`,
    });

  const top = selectModelFiles(state, select);
  if (top.missing.length > 0) throw notInRepo(top.missing);
  for (const file of top.files) await fetcher.fetch(file);
  // Shards are known only once their index is in the snapshot.
  const all = await selectInDirectory(cache.snapshotDir(commit), state, select);
  if (all.missing.length > 0) throw notInRepo(all.missing);
  for (const file of all.files) await fetcher.fetch(file);

  for (const file of CANDIDATE_FILES) if (!listing.has(file)) await cache.markAbsent(commit, file);
  await cache.writeRef(revision, commit);
  return {
    dir: cache.snapshotDir(commit),
    source: fetcher.downloaded ? 'download' : 'cache',
    repoId,
    commit,
    files: all.files,
  };
}

/** The commit a revision points to and the repo's file list, via @huggingface/hub's `modelInfo`. */
async function repoListing(
  context: RequestContext,
  token: string | undefined,
): Promise<{ commit: string; listing: Set<string> }> {
  let info: { sha?: string; filePaths?: string[] };
  try {
    info = await modelInfo({
      name: context.repoId,
      revision: context.revision,
      hubUrl: context.endpoint,
      accessToken: token,
      additionalFields: ['sha', 'filePaths'],
      fetch: guardedFetch(context) as typeof fetch,
    });
  } catch (error) {
    // @huggingface/hub rejects tokens that do not look like hub tokens before sending anything.
    if (error instanceof TypeError && /access token/i.test(error.message)) {
      throw new HubAccessError(`The hub token is malformed: ${error.message}`, {
        hint: 'Set HF_TOKEN to a token from huggingface.co/settings/tokens',
      });
    }
    throw error;
  }
  if (typeof info.sha !== 'string' || !isCommitHash(info.sha) || !Array.isArray(info.filePaths)) {
    throw new HubProtocolError(
      `${context.endpoint}/api/models/${context.repoId}/revision/${context.revision} did not list a commit and files`,
    );
  }
  return { commit: info.sha, listing: new Set(info.filePaths) };
}

/** Brings repo files into `snapshots/<commit>/`, reusing blobs already in the cache, as hf_hub_download does. */
class SnapshotFetcher {
  downloaded = false;
  private readonly auth: Record<string, string>;

  constructor(
    private readonly cache: RepoCache,
    private readonly commit: string,
    private readonly context: RequestContext,
    token: string | undefined,
    private readonly options: ResolveModelOptions,
  ) {
    this.auth = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  }

  async fetch(file: string): Promise<void> {
    if (await this.cache.hasFile(this.commit, file)) return;
    const { endpoint, repoId } = this.context;
    const hubFetch = guardedFetch({ ...this.context, file });
    const url = `${endpoint}/${repoId}/resolve/${this.commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
    const meta = await fetchFileMetadata(url, this.auth, hubFetch);
    const blobPath = this.cache.blobPath(meta.etag);
    await withBlobLock(this.cache.blobLockPath(meta.etag), async () => {
      // Checked under the lock: another process may have just finished this blob.
      if (await isFile(blobPath)) {
        await verifyCachedBlob(blobPath, meta.etag, meta.size, this.options.verify === true);
        return;
      }
      await downloadBlob({
        file,
        url: meta.location,
        // As huggingface_hub: the token goes to the hub's hosts only, never to the CDN an LFS file redirects to.
        headers: isSameOrHubHost(url, meta.location) ? this.auth : {},
        blobPath,
        etag: meta.etag,
        size: meta.size,
        hubFetch,
        onProgress: this.options.onProgress,
      });
      this.downloaded = true;
    });
    await this.cache.linkSnapshotFile(this.commit, file, meta.etag);
  }
}

function describeMissing(missing: readonly string[]): string {
  return missing
    .map((file) => (file === WEIGHT_FILES[0] ? `${file} (or ${WEIGHT_FILES.slice(1).join(', ')})` : file))
    .join(', ');
}
