import {
  HubAccessError,
  HubNetworkError,
  HubNotFoundError,
  HubProtocolError,
  OFFLINE_HINT,
} from './errors.js';

/** Seconds huggingface_hub waits for metadata before giving up (constants.DEFAULT_ETAG_TIMEOUT = 10). */
export const METADATA_TIMEOUT_MS = 10_000;

/** Redirects followed for a metadata request, on the hub's own hosts only (huggingface_hub's _MAX_REDIRECTS). */
const MAX_HUB_REDIRECTS = 5;

/** Hosts huggingface_hub follows redirects to and sends the token to, besides the endpoint's (constants.HF_URL_HOSTS). */
const HUB_HOSTS = new Set(['hf.co', 'huggingface.co', 'hub-ci.huggingface.co']);

/** Whether `target` is on the host of `from` or a hub host: a renamed repo or a mirror, not a CDN. */
export function isSameOrHubHost(from: string, target: string): boolean {
  const host = new URL(target).hostname.toLowerCase();
  return host === new URL(from).hostname.toLowerCase() || HUB_HOSTS.has(host);
}

/** Who is asking for what, so an HTTP failure can be reported in the user's terms. */
export interface RequestContext {
  endpoint: string;
  repoId: string;
  revision: string;
  file?: string;
  authenticated: boolean;
}

export type HubFetch = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` that turns transport failures into `HubNetworkError` and HTTP 4xx/5xx into the typed errors a user can
 * act on. Redirects (3xx) are returned as they are when the caller asked for `redirect: 'manual'`.
 */
export function guardedFetch(context: RequestContext, timeoutMs = METADATA_TIMEOUT_MS): HubFetch {
  return async (url, init = {}) => {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      throw unreachable(context, url, cause);
    }
    if (response.status >= 400) {
      await response.body?.cancel().catch(() => undefined);
      throw httpError(response, context);
    }
    return response;
  };
}

export function unreachable(context: RequestContext, url: string, cause: unknown): HubNetworkError {
  return new HubNetworkError(
    `Could not reach ${new URL(url).origin} for ${context.repoId} (${describeCause(cause)})`,
    {
      cause,
      hint: `Check your connection and HF_ENDPOINT. ${OFFLINE_HINT}`,
    },
  );
}

/** The innermost error code or message, e.g. ECONNREFUSED, ENOTFOUND, "other side closed". */
export function describeCause(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    if (current.cause === undefined) return current.name === 'TimeoutError' ? 'timed out' : current.message;
    current = current.cause;
  }
  return String(current);
}

/** Maps a hub error response like huggingface_hub's `hf_raise_for_status` does, using `X-Error-Code` first. */
function httpError(response: Response, context: RequestContext): Error {
  const { endpoint, repoId, revision, file, authenticated } = context;
  const code = response.headers.get('x-error-code');
  const status = response.status;
  const page = `${endpoint}/${repoId}`;
  const tokenHint = authenticated
    ? 'The token (HF_TOKEN or --token) was sent but has no read access to this repo'
    : 'If the repo is private or gated, set HF_TOKEN to a token with read access';

  if (code === 'GatedRepo') {
    return new HubAccessError(`${repoId} is a gated model and access was refused (HTTP ${status})`, {
      hint: authenticated
        ? `Accept its conditions at ${page} with the account that owns your token`
        : `Accept its conditions at ${page}, then set HF_TOKEN to a token of that account`,
    });
  }
  if (code === 'RevisionNotFound') {
    return new HubNotFoundError(
      `Revision "${revision}" of ${repoId} was not found on ${endpoint}`,
      'revision',
      {
        hint: 'Pass an existing branch, tag or commit id as --revision',
      },
    );
  }
  if (code === 'EntryNotFound' || (status === 404 && file !== undefined && code !== 'RepoNotFound')) {
    return new HubNotFoundError(`${file ?? 'A file'} is not in ${repoId} at revision ${revision}`, 'file', {
      hint: `See the files at ${page}/tree/${revision}`,
    });
  }
  if (code === 'RepoNotFound' || status === 404) {
    return new HubNotFoundError(`Model ${repoId} was not found on ${endpoint} (HTTP ${status})`, 'repo', {
      hint: `Check the id (org/name) or pass a local directory. ${tokenHint}`,
    });
  }
  if (status === 401 || status === 403) {
    return new HubAccessError(`${endpoint} refused access to ${repoId} (HTTP ${status})`, {
      hint: tokenHint,
    });
  }
  return new HubProtocolError(`${endpoint} answered HTTP ${status} for ${repoId}${file ? `/${file}` : ''}`, {
    hint: status >= 500 ? `The hub may be having trouble; try again later. ${OFFLINE_HINT}` : undefined,
  });
}

export interface FileMetadata {
  /** The commit the revision resolved to (`X-Repo-Commit`). */
  commit: string;
  /** Blob name in the cache: sha256 for LFS files (`X-Linked-Etag`), git sha1 otherwise (`ETag`). */
  etag: string;
  /** Full size, LFS files included (`X-Linked-Size`, else `Content-Length`). */
  size: number | undefined;
  /** Where to GET the bytes: the CDN `Location` of an LFS redirect, else the (redirected) resolve URL. */
  location: string;
}

/**
 * HEAD `/<repo>/resolve/<revision>/<file>` as huggingface_hub's `get_hf_file_metadata`: redirects on the hub's own
 * hosts are followed, the one to the LFS CDN is not, because the hub's response carries the commit, the LFS sha256
 * and the real size, and the token must not leave the hub.
 */
export async function fetchFileMetadata(
  url: string,
  headers: Record<string, string>,
  hubFetch: HubFetch,
): Promise<FileMetadata> {
  let current = url;
  for (let hop = 0; hop <= MAX_HUB_REDIRECTS; hop++) {
    const response = await hubFetch(current, {
      method: 'HEAD',
      headers: { ...headers, 'Accept-Encoding': 'identity' },
      redirect: 'manual',
    });
    const location = response.headers.get('location');
    const target =
      response.status >= 300 && response.status < 400 && location !== null
        ? new URL(location, current).href
        : undefined;
    if (target !== undefined && isSameOrHubHost(current, target)) {
      current = target;
      continue;
    }
    const commit = response.headers.get('x-repo-commit');
    const etag = normalizeEtag(response.headers.get('x-linked-etag') ?? response.headers.get('etag'));
    if (!commit || !etag) {
      throw new HubProtocolError(`${current} did not answer with X-Repo-Commit and ETag headers`, {
        hint: 'HF_ENDPOINT must point at a Hugging Face hub (or a mirror that forwards its headers)',
      });
    }
    const size = Number.parseInt(
      response.headers.get('x-linked-size') ?? response.headers.get('content-length') ?? '',
      10,
    );
    return { commit, etag, size: Number.isFinite(size) ? size : undefined, location: target ?? current };
  }
  throw new HubProtocolError(`${url} redirected more than ${MAX_HUB_REDIRECTS} times`);
}

/** `W/"abc"` or `"abc"` → `abc`, as huggingface_hub's `_normalize_etag`. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (etag === null) return undefined;
  const value = etag.replace(/^W\//, '').replace(/^"|"$/g, '');
  // The etag names a file in blobs/: refuse anything that is not a plain name.
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value) ? value : undefined;
}
