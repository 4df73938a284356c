import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from '@bcmb/pipeline';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceSourcesPlugin } from '../../packages/pipeline/src/testing/workspace-sources.js';
import { buildPage } from './build.js';
import { AGGREGATION, spansOf } from './src/predict-spans.js';
import { redact } from './src/redact.js';

const HERE = fileURLToPath(new URL('./', import.meta.url));
const MODEL = join(HERE, 'model');
const NOTE = readFileSync(join(HERE, 'sample-note.txt'), 'utf8');
/** Where CI keeps the page's screenshot (gitignored). */
const SCREENSHOT = fileURLToPath(new URL('../../artifacts/deid-page.png', import.meta.url));
/** Debian's chromium; CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Model loading in the page compiles onnxruntime-web's 28 MB wasm: ~10 s alone on 2 cores, several times that
 * when the rest of the suite runs beside it.
 */
const PAGE_WAIT_MS = 100_000;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** A static server of `root` on 127.0.0.1 (a random free port). */
function serve(root: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

interface Span {
  label: string;
  start: number;
  end: number;
  text: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'bcmb-deid-page-'));
let server: Server | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: the browser test needs Debian's chromium (apt-get install -y chromium) or CHROMIUM_PATH`,
    );
  }
  const root = await buildPage(join(scratch, 'site'), { plugins: [workspaceSourcesPlugin()] });
  server = await serve(root);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  rmSync(scratch, { recursive: true, force: true });
});

describe('de-identification page in headless Chromium', () => {
  it('highlights the spans @bcmb/pipeline finds in Node for the same note, and downloads the redacted note', async () => {
    const ner = await pipeline('token-classification', MODEL, { threads: 1 });
    const expected: Span[] = spansOf(await ner(NOTE, { aggregationStrategy: AGGREGATION }), NOTE);
    await ner.dispose();
    expect(expected.length).toBeGreaterThan(0);

    const page = await (browser as Browser).newPage({ acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const { port } = (server as Server).address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/index.html?device=wasm`);
    await page.waitForSelector('body[data-model="ready"], body[data-error]', { timeout: PAGE_WAIT_MS });
    expect(await page.evaluate(() => document.body.dataset.error)).toBeUndefined();

    await page.fill('#note', NOTE);
    await page.click('#find');
    await page.waitForSelector('body[data-spans="ready"], body[data-error]', { timeout: PAGE_WAIT_MS });
    const shown: Span[] = await page.$$eval('#highlighted mark', (marks) =>
      marks.map((mark) => ({
        label: (mark as HTMLElement).dataset.label as string,
        start: Number((mark as HTMLElement).dataset.start),
        end: Number((mark as HTMLElement).dataset.end),
        text: mark.textContent as string,
      })),
    );
    expect(shown).toEqual(expected);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const redacted = readFileSync((await download.path()) as string, 'utf8');
    expect(redacted).toBe(redact(NOTE, expected));

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
