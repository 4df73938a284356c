// Benchmark (not a test): embeddings per second and token-classification characters per second in headless
// Chromium on onnxruntime-web (wasm), for BERT-base and ModernBERT-base shapes with random weights built in the
// page from the published configs, and their real tokenizers. Prints figures with the load average.
//
//   pnpm build && pnpm tsx examples/deid-page/bench/browser-throughput.ts [--notes 8] [--passes 2] [--models bert-base,modernbert-base]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { BenchRequest, BenchResult } from './page.js';

const HERE = fileURLToPath(new URL('./', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const { values } = parseArgs({
  options: {
    notes: { type: 'string', default: '8' },
    passes: { type: 'string', default: '2' },
    batch: { type: 'string', default: '8' },
    models: { type: 'string', default: 'bert-base,modernbert-base' },
  },
});

/** Route → file: the published configs (packages/modeling/configs) and the real tokenizers (tokenizer fixtures). */
const FILES: Record<string, string> = {
  '/bert-base/config.json': 'packages/modeling/configs/bert-base/config.json',
  '/bert-base/vocab.txt': 'packages/tokenizer/fixtures/bert-base-cased/vocab.txt',
  '/modernbert-base/config.json': 'packages/modeling/configs/modernbert-base/config.json',
  '/modernbert-base/tokenizer.json': 'packages/tokenizer/fixtures/modernbert/tokenizer.json',
  '/modernbert-base/tokenizer_config.json': 'packages/tokenizer/fixtures/modernbert/tokenizer_config.json',
  '/modernbert-base/special_tokens_map.json':
    'packages/tokenizer/fixtures/modernbert/special_tokens_map.json',
};

/** Discharge-summary-like notes of ~900 characters, from a fixed pool of sentences in a seeded order. */
function notes(count: number): string[] {
  const pool = [
    ...readFileSync(join(HERE, '../sample-note.txt'), 'utf8').split(/(?<=\.)\s+/),
    'Patient denies chest pain; CT scan shows mass in left lung.',
    'Started metformin 500 mg daily for diabetes.',
    'Severe abdominal tenderness with nausea and vomiting.',
    'Blood pressure 142/88, heart rate 96, afebrile, saturating 97% on room air.',
    'Discharged home on aspirin 81 mg, atorvastatin 40 mg and lisinopril 10 mg with follow up in clinic.',
  ].filter((s) => s.trim() !== '');
  let state = 42;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return Array.from({ length: count }, () => {
    let note = '';
    while (note.length < 900) note += `${pool[Math.floor(next() * pool.length)]} `;
    return note.trim();
  });
}

const out = mkdtempSync(join(tmpdir(), 'bcmb-browser-bench-'));
await build({
  entryPoints: { page: join(HERE, 'page.ts') },
  outdir: out,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  logLevel: 'warning',
  tsconfigRaw: { compilerOptions: {} },
});
const ortDir = join(REPO, 'examples/node_modules/onnxruntime-web/dist');
const html =
  '<!doctype html><meta charset="utf-8"><body><script type="module" src="/page.js"></script></body>';
const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  const file =
    path === '/'
      ? undefined
      : path.startsWith('/ort/')
        ? join(ortDir, path.slice(5))
        : FILES[path]
          ? join(REPO, FILES[path])
          : join(out, path);
  // Cross-origin isolation, so onnxruntime-web may use wasm threads (SharedArrayBuffer).
  const headers = {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  };
  if (file === undefined)
    return response.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(html);
  if (!existsSync(file)) return response.writeHead(404, headers).end();
  const type = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' }[
    extname(file)
  ];
  response
    .writeHead(200, { ...headers, 'content-type': type ?? 'application/octet-stream' })
    .end(readFileSync(file));
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const { port } = server.address() as AddressInfo;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[page] ${message.text()}`);
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
  const texts = notes(Number(values.notes));
  console.log(
    `# browser throughput: headless Chromium ${browser.version()}, onnxruntime-web wasm, random weights`,
  );
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const model of values.models.split(',')) {
    const request: BenchRequest = {
      model,
      notes: texts,
      batchSize: Number(values.batch),
      passes: Number(values.passes),
    };
    const result: BenchResult = await page.evaluate(
      (r) => (globalThis as unknown as { runBench: (r: BenchRequest) => Promise<BenchResult> }).runBench(r),
      request,
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const tagging = mean(result.tokenClassificationSeconds);
    const embedding = mean(result.embeddingSeconds);
    console.log(
      `${model}: ${texts.length} notes, ${result.characters} chars, ${result.tokens} tokens, ${result.threads} wasm threads, batch ${request.batchSize}; ` +
        `graph build + session ${result.buildSeconds.tokenClassification.toFixed(1)} s / ${result.buildSeconds.embeddings.toFixed(1)} s`,
    );
    console.log(
      `  token classification: ${(result.characters / tagging).toFixed(0)} chars/s (${(result.tokens / tagging).toFixed(0)} tokens/s; passes ${result.tokenClassificationSeconds.map((s) => s.toFixed(2)).join(', ')} s)`,
    );
    console.log(
      `  embeddings (mean pooled): ${(texts.length / embedding).toFixed(2)} embeddings/s (passes ${result.embeddingSeconds.map((s) => s.toFixed(2)).join(', ')} s)`,
    );
    console.log(
      `  load average: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  }
} finally {
  await browser.close();
  server.close();
  rmSync(out, { recursive: true, force: true });
}
