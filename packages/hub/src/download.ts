import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createProgress } from '@bcmb/core';
import { blobHasher, checkBlob, hashFileInto } from './blob-integrity.js';
import { fileSize } from './cache-layout.js';
import { HubDiskFullError, HubNetworkError, HubProtocolError, OFFLINE_HINT } from './errors.js';
import { describeCause, type HubFetch } from './http.js';

/** Transfers per file before giving up, as huggingface_hub's `http_get` (_nb_retries=5), each resuming with Range. */
export const MAX_TRANSFER_ATTEMPTS = 5;

/** Silence after which a transfer counts as cut (huggingface_hub constants.DEFAULT_DOWNLOAD_TIMEOUT = 10 s). */
export const DOWNLOAD_IDLE_TIMEOUT_MS = 10_000;

/**
 * A transfer that delivers fewer bytes than this within the download timeout is stalled (a server dripping one byte
 * every few seconds never falls silent): it is cut and resumed with a Range request, like a silent one.
 */
export const STALL_MIN_BYTES = 16 * 1024;

/** The download timeout: `HF_HUB_DOWNLOAD_TIMEOUT` seconds (as huggingface_hub reads it), else 10 s. */
export function downloadTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env['HF_HUB_DOWNLOAD_TIMEOUT']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DOWNLOAD_IDLE_TIMEOUT_MS;
}

export interface DownloadProgress {
  file: string;
  downloaded: number;
  total: number | undefined;
  /** Bytes already on disk from an earlier, interrupted transfer. */
  resumedFrom: number;
}

export interface BlobDownload {
  /** Repo path of the file, for progress and messages. */
  file: string;
  url: string;
  headers: Record<string, string>;
  blobPath: string;
  etag: string;
  size: number | undefined;
  hubFetch: HubFetch;
  onProgress?: (progress: DownloadProgress) => void;
  /** Window in which at least `STALL_MIN_BYTES` must arrive (default `downloadTimeoutMs()`). */
  timeoutMs?: number;
}

/** Raised inside a transfer when the response body stops early or stalls; the caller resumes. */
class TransferCut extends Error {}

/** The server sends more bytes than it announced: nothing of the transfer is kept. */
class OversizedBody extends HubProtocolError {}

/**
 * Downloads into `blobs/<etag>.incomplete`, resuming whatever an earlier run left there with an HTTP Range request,
 * checks size and hash against the hub's announcement, then renames into place (atomic on one file system).
 */
export async function downloadBlob(download: BlobDownload): Promise<void> {
  const incomplete = `${download.blobPath}.incomplete`;
  await mkdir(dirname(incomplete), { recursive: true });
  let resumeFrom = (await fileSize(incomplete)) ?? 0;
  if (download.size !== undefined && resumeFrom > download.size) {
    await rm(incomplete, { force: true });
    resumeFrom = 0;
  }
  // The bar covers what is left, so its rate and ETA are about this transfer, not the resumed bytes.
  const progress = createProgress({
    label: resumeFrom > 0 ? `${download.file} (resuming)` : download.file,
    total: Math.max((download.size ?? 0) - resumeFrom, 0),
    unit: 'bytes',
  });
  const handle = await open(incomplete, 'a').catch((error: unknown) => {
    throw diskError(error, incomplete);
  });
  const transfer = new Transfer(download, handle, incomplete, resumeFrom, (downloaded) => {
    progress.update(Math.max(downloaded - resumeFrom, 0));
    download.onProgress?.({ file: download.file, downloaded, total: download.size, resumedFrom: resumeFrom });
  });
  try {
    await transfer.prepare();
    // A complete `.incomplete` (a run stopped just before the rename) needs no transfer.
    for (let attempt = 1; !transfer.complete(); attempt++) {
      try {
        await transfer.run();
        break;
      } catch (error) {
        if (error instanceof OversizedBody) {
          await rm(incomplete, { force: true });
          throw error;
        }
        if (
          !(error instanceof TransferCut || error instanceof HubNetworkError) ||
          attempt >= MAX_TRANSFER_ATTEMPTS
        ) {
          throw error instanceof TransferCut ? transfer.gaveUp(error, attempt) : error;
        }
      }
    }
    await handle.sync();
  } finally {
    await handle.close().catch(() => undefined);
    progress.stop();
  }
  try {
    checkBlob(
      incomplete,
      download.etag,
      transfer.result(),
      download.size,
      'The download was discarded; run again to fetch it afresh',
    );
  } catch (error) {
    await rm(incomplete, { force: true });
    throw error;
  }
  await rename(incomplete, download.blobPath);
}

/** One file's bytes on their way into the `.incomplete` blob, with the hash kept in step. */
class Transfer {
  private hash: Hash | undefined;

  constructor(
    private readonly download: BlobDownload,
    private readonly handle: FileHandle,
    private readonly path: string,
    private offset: number,
    private readonly report: (downloaded: number) => void,
  ) {}

  async prepare(): Promise<void> {
    this.hash =
      this.download.size === undefined ? undefined : blobHasher(this.download.etag, this.download.size);
    if (this.hash && this.offset > 0) await hashFileInto(this.hash, this.path);
  }

  complete(): boolean {
    return this.download.size !== undefined && this.offset === this.download.size;
  }

  result(): { size: number; digest: string | undefined } {
    return { size: this.offset, digest: this.hash?.digest('hex') };
  }

  gaveUp(cut: TransferCut, attempts: number): HubNetworkError {
    return new HubNetworkError(
      `Download of ${this.download.file} was cut after ${this.offset} bytes, ${attempts} times (${cut.message})`,
      {
        file: this.path,
        cause: cut.cause,
        hint: `Run again to resume from the partial file. ${OFFLINE_HINT}`,
      },
    );
  }

  async run(): Promise<void> {
    const timeoutMs = this.download.timeoutMs ?? downloadTimeoutMs();
    const stalled = new AbortController();
    // Armed for one window; re-armed only once STALL_MIN_BYTES more have arrived, so a trickle times out too.
    let windowStart = this.offset;
    let timer = setTimeout(() => stalled.abort(), timeoutMs);
    const headers =
      this.offset > 0 ? { ...this.download.headers, Range: `bytes=${this.offset}-` } : this.download.headers;
    try {
      const response = await this.download.hubFetch(this.download.url, { headers, signal: stalled.signal });
      if (!(await this.acceptStart(response))) {
        throw new TransferCut('the server could not resume; starting over');
      }
      const body = response.body;
      if (body === null) throw new HubProtocolError(`${this.download.url} sent no body`);
      const limit = this.download.size ?? announcedLength(response, this.offset);
      // Typed through AsyncIterable: DOM typings (which examples also load) lack ReadableStream iteration.
      const chunks = (body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch (cause) {
          if (stalled.signal.aborted) {
            throw new TransferCut(
              `less than ${STALL_MIN_BYTES} bytes arrived in ${timeoutMs / 1000} s (HF_HUB_DOWNLOAD_TIMEOUT)`,
              { cause },
            );
          }
          throw new TransferCut(describeCause(cause), { cause });
        }
        if (next.done) break;
        if (limit !== undefined && this.offset + next.value.length > limit) {
          await chunks.return?.().catch(() => undefined);
          throw new OversizedBody(
            `${this.download.file}: the server sent more than the ${limit} bytes it announced`,
            {
              file: this.path,
              hint: 'The download was stopped and discarded; the server or a proxy is misbehaving. Run again later',
            },
          );
        }
        await this.append(next.value);
        if (this.offset - windowStart >= STALL_MIN_BYTES) {
          windowStart = this.offset;
          clearTimeout(timer);
          timer = setTimeout(() => stalled.abort(), timeoutMs);
        }
      }
    } finally {
      clearTimeout(timer);
    }
    if (this.download.size !== undefined && this.offset < this.download.size) {
      throw new TransferCut(`body ended at ${this.offset} of ${this.download.size} bytes`);
    }
  }

  /** Whether the body can be appended as is; a Range the server did not honour restarts from zero. */
  private async acceptStart(response: Response): Promise<boolean> {
    if (this.offset === 0) return true;
    const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
    if (response.status === 206 && Number(start) === this.offset) return true;
    await this.handle.truncate(0);
    this.offset = 0;
    await this.prepare();
    if (response.status === 200) return true; // the whole file follows
    await response.body?.cancel().catch(() => undefined);
    return false;
  }

  private async append(chunk: Uint8Array): Promise<void> {
    try {
      await this.handle.write(chunk);
    } catch (error) {
      throw diskError(error, this.path);
    }
    this.hash?.update(chunk);
    this.offset += chunk.length;
    this.report(this.offset);
  }
}

/** The full size a response announces (Content-Range total, else offset + Content-Length), if any. */
function announcedLength(response: Response, offset: number): number | undefined {
  const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
  if (total !== undefined) return Number(total);
  const length = response.headers.get('content-length');
  return length === null || !/^\d+$/.test(length) ? undefined : offset + Number(length);
}

function diskError(error: unknown, path: string): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') return error;
  return new HubDiskFullError('No space left on the device holding the Hugging Face cache', {
    file: path,
    cause: error,
    hint: 'Free some space, or point HF_HUB_CACHE (or HF_HOME) at a larger disk; the partial file is kept and the next run resumes it',
  });
}
