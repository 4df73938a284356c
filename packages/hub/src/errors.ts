import { BcmbError, type BcmbErrorOptions } from '@bcmb/core';

/** Shown wherever a network problem could be avoided by using the cache alone. */
export const OFFLINE_HINT =
  'To use only files already in the Hugging Face cache, set HF_HUB_OFFLINE=1 (or pass --offline)';

/** The repo, revision or file does not exist on the hub (HTTP 404), or `idOrPath` names no directory. */
export class HubNotFoundError extends BcmbError {
  constructor(
    what: string,
    readonly kind: 'repo' | 'revision' | 'file' | 'path',
    options?: BcmbErrorOptions,
  ) {
    super(what, options);
  }
}

/** The hub refused access (HTTP 401/403): a private or gated repo without a token, or a token without access. */
export class HubAccessError extends BcmbError {}

/** The hub could not be reached, or a transfer was cut and retries ran out. */
export class HubNetworkError extends BcmbError {}

/** Offline mode is on and the cache lacks a file the model needs. */
export class HubCacheMissError extends BcmbError {
  constructor(
    what: string,
    readonly missing: readonly string[],
    options?: BcmbErrorOptions,
  ) {
    super(what, options);
  }
}

/** Writing into the cache failed for lack of space (ENOSPC). */
export class HubDiskFullError extends BcmbError {}

/** A cached or freshly downloaded blob does not match the size or sha256 the hub announced. */
export class HubCorruptCacheError extends BcmbError {}

/** The hub answered in a way bcmb cannot use (missing headers, unexpected status). */
export class HubProtocolError extends BcmbError {}
