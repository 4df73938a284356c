import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The tiny checkpoints of the repo, found from this file so a fresh clone tests on its own. */
export const FIXTURE_MODELS = new URL('../../../fixtures/models/', import.meta.url);

export interface FakeRepo {
  /** Branch or tag → commit. */
  refs: Record<string, string>;
  files: Record<string, Buffer>;
  /** `token`: private, needs `Bearer <token>`; `gated`: listing is public, files answer 403 GatedRepo. */
  access?: { kind: 'token' | 'gated'; token: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** Files stored in LFS on the hub: served through a redirect to a content-addressed CDN URL. */
const isLfs = (file: string) => file.endsWith('.safetensors') || file.endsWith('.bin');

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** git's blob id, which the hub sends as ETag of files kept in git. */
export const gitBlobId = (data: Buffer) =>
  createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

export function fixtureFiles(name: string): Record<string, Buffer> {
  const dir = new URL(`${name}/`, FIXTURE_MODELS);
  return Object.fromEntries(readdirSync(dir).map((file) => [file, readFileSync(new URL(file, dir))]));
}

/**
 * A hub on 127.0.0.1 speaking the subset of the protocol huggingface_hub and @huggingface/hub use:
 * `GET /api/models/<repo>/revision/<rev>`, `HEAD|GET /<repo>/resolve/<rev>/<file>` with ETag, X-Repo-Commit,
 * X-Linked-Etag/X-Linked-Size and a redirect to `/cdn/<sha256>` for LFS files, Range requests, 401/403/404.
 */
export class FakeHub {
  readonly requests: RecordedRequest[] = [];
  /** sha256 → bytes to send before cutting the connection, for the next GET of that blob. */
  readonly cuts = new Map<string, number>();
  /**
   * sha256 → how the next GET of that blob misbehaves, without a Content-Length: `overlong` sends `extra` bytes
   * past the real ones, `endless` never ends, `drip` sends one byte every `everyMs` (each stops when the client
   * goes away).
   */
  readonly misbehave = new Map<
    string,
    { kind: 'overlong'; extra: number } | { kind: 'endless' } | { kind: 'drip'; everyMs: number }
  >();
  /** Bytes written by misbehaving responses, so tests can check the client stopped reading. */
  misbehavedBytes = 0;
  /** sha256 → bytes served instead of the real ones (a CDN handing out the wrong content). */
  readonly tampered = new Map<string, Buffer>();
  /** Old repo id → new one: every URL of the old id answers 307 with a relative Location, as for a renamed repo. */
  readonly renames: Record<string, string> = {};
  private readonly blobs = new Map<string, Buffer>();

  private constructor(
    private readonly servers: Server[],
    readonly endpoint: string,
    private readonly cdnBase: string,
    private readonly repos: Record<string, FakeRepo>,
  ) {
    for (const repo of Object.values(repos)) {
      for (const data of Object.values(repo.files)) this.blobs.set(sha256(data), data);
    }
  }

  static async start(repos: Record<string, FakeRepo>): Promise<FakeHub> {
    let hub: FakeHub | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => hub?.handle(req, res);
    const server = createServer(handler);
    const port = await listen(server, '127.0.0.1');
    // The CDN sits on another host name, as on the real hub, so clients neither follow its redirect in a
    // metadata request nor send it the token. 127.0.0.2 is loopback on Linux; elsewhere fall back to `localhost`.
    const cdn = createServer(handler);
    const cdnPort = await listen(cdn, '127.0.0.2').catch(() => undefined);
    const cdnBase = cdnPort === undefined ? `http://localhost:${port}` : `http://127.0.0.2:${cdnPort}`;
    hub = new FakeHub(
      cdnPort === undefined ? [server] : [server, cdn],
      `http://127.0.0.1:${port}`,
      cdnBase,
      repos,
    );
    return hub;
  }

  async close(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', this.endpoint).pathname);
    this.requests.push({
      method: req.method ?? 'GET',
      path,
      range: req.headers.range,
      authorization: req.headers.authorization,
    });
    const renamed = Object.entries(this.renames).find(([from]) => path.includes(`/${from}/`));
    if (renamed) {
      res.writeHead(307, { Location: path.replace(`/${renamed[0]}/`, `/${renamed[1]}/`) });
      res.end();
      return;
    }
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path)?.[1];
    const blob = cdn === undefined ? undefined : this.blobs.get(cdn);
    if (api) this.modelInfo(req, res, api[1] as string, api[2] as string);
    else if (resolve)
      this.resolveFile(req, res, resolve[1] as string, resolve[2] as string, resolve[3] as string);
    else if (cdn !== undefined && blob !== undefined)
      this.sendBytes(req, res, this.tampered.get(cdn) ?? blob, {}, cdn);
    else this.fail(res, 404, 'RepoNotFound');
  }

  private modelInfo(req: IncomingMessage, res: ServerResponse, repoId: string, revision: string): void {
    const found = this.lookup(req, res, repoId, revision, true);
    if (!found) return;
    const body = JSON.stringify({
      _id: repoId,
      id: repoId,
      sha: found.commit,
      siblings: Object.keys(found.repo.files).map((rfilename) => ({ rfilename })),
      private: found.repo.access?.kind === 'token',
      gated: found.repo.access?.kind === 'gated' ? 'manual' : false,
      downloads: 0,
      likes: 0,
      lastModified: '2025-01-01T00:00:00.000Z',
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private resolveFile(
    req: IncomingMessage,
    res: ServerResponse,
    repoId: string,
    revision: string,
    file: string,
  ): void {
    const found = this.lookup(req, res, repoId, revision, false);
    if (!found) return;
    const data = found.repo.files[file];
    if (data === undefined) {
      this.fail(res, 404, 'EntryNotFound', { 'X-Repo-Commit': found.commit });
      return;
    }
    const common = { 'X-Repo-Commit': found.commit };
    if (isLfs(file)) {
      const digest = sha256(data);
      res.writeHead(302, {
        ...common,
        Location: `${this.cdnBase}/cdn/${digest}`,
        ETag: `"${gitBlobId(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${digest}\n`))}"`,
        'X-Linked-Etag': `"${digest}"`,
        'X-Linked-Size': String(data.length),
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    this.sendBytes(req, res, data, { ...common, ETag: `"${gitBlobId(data)}"` });
  }

  private lookup(
    req: IncomingMessage,
    res: ServerResponse,
    repoId: string,
    revision: string,
    listing: boolean,
  ) {
    const repo = this.repos[repoId];
    if (repo === undefined) return this.fail(res, 404, 'RepoNotFound');
    const access = repo.access;
    const authorized = access === undefined || req.headers.authorization === `Bearer ${access.token}`;
    if (!authorized && access?.kind === 'token') return this.fail(res, 401);
    if (!authorized && access?.kind === 'gated' && !listing) return this.fail(res, 403, 'GatedRepo');
    const commit =
      repo.refs[revision] ?? (Object.values(repo.refs).includes(revision) ? revision : undefined);
    if (commit === undefined) return this.fail(res, 404, 'RevisionNotFound');
    return { repo, commit };
  }

  private sendBytes(
    req: IncomingMessage,
    res: ServerResponse,
    data: Buffer,
    headers: Record<string, string>,
    cutKey?: string,
  ): void {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = data.subarray(start);
    if (!this.misbehave.has(cutKey ?? '') || req.method === 'HEAD') {
      res.writeHead(range ? 206 : 200, {
        ...headers,
        'Accept-Ranges': 'bytes',
        'Content-Length': String(body.length),
        ...(range ? { 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
      });
    }
    const misbehave = cutKey === undefined ? undefined : this.misbehave.get(cutKey);
    if (misbehave !== undefined && req.method !== 'HEAD') {
      this.misbehave.delete(cutKey!);
      this.sendMisbehaving(res, body, misbehave, range ? 206 : 200, headers, start, data.length);
      return;
    }
    const cut = cutKey === undefined ? undefined : this.cuts.get(cutKey);
    if (req.method === 'HEAD') {
      res.end();
    } else if (cut === undefined || cutKey === undefined) {
      res.end(body);
    } else {
      this.cuts.delete(cutKey);
      res.write(body.subarray(0, cut), () => res.socket?.destroy());
    }
  }

  /** Chunked responses that break the announced size or never finish; bounded by the client closing. */
  private sendMisbehaving(
    res: ServerResponse,
    body: Buffer,
    how: { kind: 'overlong'; extra: number } | { kind: 'endless' } | { kind: 'drip'; everyMs: number },
    status: number,
    headers: Record<string, string>,
    start: number,
    total: number,
  ): void {
    res.writeHead(status, {
      ...headers,
      'Accept-Ranges': 'bytes',
      ...(status === 206 ? { 'Content-Range': `bytes ${start}-${total - 1}/*` } : {}),
    });
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    const send = (chunk: Buffer) => {
      this.misbehavedBytes += chunk.length;
      return res.write(chunk);
    };
    if (how.kind === 'drip') {
      let at = 0;
      const timer = setInterval(() => {
        if (closed || at >= body.length) {
          clearInterval(timer);
          if (!closed) res.end();
          return;
        }
        send(body.subarray(at, at + 1));
        at++;
      }, how.everyMs);
      return;
    }
    send(body);
    const filler = Buffer.alloc(64 * 1024, 0x41);
    let left = how.kind === 'overlong' ? how.extra : Number.POSITIVE_INFINITY;
    // At most 1 GiB even for `endless`, so a client that never stops cannot keep the test running forever.
    let budget = 1 << 30;
    const pump = () => {
      while (!closed && left > 0 && budget > 0) {
        const chunk = filler.subarray(0, Math.min(filler.length, left));
        left -= chunk.length;
        budget -= chunk.length;
        if (!send(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!closed) res.end();
    };
    pump();
  }

  private fail(
    res: ServerResponse,
    status: number,
    code?: string,
    headers: Record<string, string> = {},
  ): undefined {
    res.writeHead(status, {
      ...headers,
      ...(code ? { 'X-Error-Code': code } : {}),
      'Content-Type': 'application/json',
    });
    res.end(JSON.stringify({ error: code ?? 'Unauthorized' }));
    return undefined;
  }

  /** Requests made since `from` (an index into `requests`). */
  since(from: number): RecordedRequest[] {
    return this.requests.slice(from);
  }
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, host, done);
  });
  return (server.address() as AddressInfo).port;
}
