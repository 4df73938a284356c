import { modelInfo } from '@huggingface/hub';
import { verifyCachedBlob } from './blob-integrity.js';
import { withBlobLock } from './blob-lock.js';
import { isCommitHash, isFile, type RepoCache } from './cache-layout.js';
import { type DownloadProgress, downloadBlob } from './download.js';
import { HubAccessError, HubNotFoundError, HubProtocolError } from './errors.js';
import { fetchFileMetadata, guardedFetch, isSameOrHubHost, type RequestContext } from './http.js';
import { CANDIDATE_FILES, describeMissing, selectModelFiles } from './model-files.js';
import type { HubSettings } from './settings.js';
import { selectInDirectory, stateFrom } from './snapshot-files.js';

export interface SnapshotOptions {
  /** Fetch exactly these repo files instead of config + weights + tokenizer. */
  files?: readonly string[];
  /** Called as bytes arrive; a TTY progress bar per file is drawn on stderr regardless. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Re-hash cached blobs against their ETags (sha256 for LFS files, git sha1 otherwise) before using them. */
  verify?: boolean;
  /**
   * A transfer that delivers less than 16 KiB in this many milliseconds is cut and resumed (up to 5 times).
   * Default: `HF_HUB_DOWNLOAD_TIMEOUT` seconds, else 10 s.
   */
  downloadTimeoutMs?: number;
}

export interface DownloadedSnapshot {
  commit: string;
  files: string[];
  /** False when every blob was already in the cache (only refs and symlinks were written). */
  downloaded: boolean;
}

/**
 * Fills `snapshots/<commit>/` with the files the model needs, as huggingface_hub's `snapshot_download` restricted to
 * those files: list the revision, fetch each missing file, record the absent candidates, then write the ref.
 */
export async function downloadSnapshot(
  cache: RepoCache,
  revision: string,
  settings: HubSettings,
  options: SnapshotOptions,
): Promise<DownloadedSnapshot> {
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
  return { commit, files: all.files, downloaded: fetcher.downloaded };
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
    private readonly options: SnapshotOptions,
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
        ...(this.options.downloadTimeoutMs === undefined
          ? {}
          : { timeoutMs: this.options.downloadTimeoutMs }),
      });
      this.downloaded = true;
    });
    await this.cache.linkSnapshotFile(this.commit, file, meta.etag);
  }
}
