/**
 * Throughput and peak RSS of `prepareMds` (the research convert_dataset_to_mds.py: streamed CSV → tokens → MDS
 * writer) on a synthetic notes CSV of BENCH_CSV_MB megabytes (default 1100, i.e. ≥ 1 GB), written to BENCH_DIR
 * (default the OS temp folder) and removed afterwards.
 *   BENCH_TOKENIZER=word (default): a word → id hash, so the figure is the CSV reader + chunking + MDS writer;
 *   BENCH_TOKENIZER=modernbert: the real ModernBERT BPE (packages/tokenizer/fixtures/modernbert), tokenizer-bound.
 *   TSX_TSCONFIG_PATH=packages/pretraining/tsconfig.json pnpm tsx packages/pretraining/bench/prepare-throughput.ts
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '@bcmb/tokenizer';
import { type PrepareTokenizer, prepareMds, prepareTokenizerFrom } from '../src/index.js';

const MB = 1e6;
const csvMb = Number(process.env.BENCH_CSV_MB ?? 1100);
const tokenizerName = process.env.BENCH_TOKENIZER ?? 'word';
const WORDS =
  'patient denies chest pain shortness of breath history hypertension diabetes mellitus type two on metformin lisinopril daily labs notable troponin elevated ekg sinus rhythm tachycardia admit telemetry cardiology consult echo ordered follow up clinic stable discharged home with plan nausea vomiting fever chills abdomen soft nontender lungs clear bilaterally'.split(
    ' ',
  );

async function writeCsv(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;
  let row = 0;
  let seed = 7;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  out.write('note_id,notes\n');
  while (written < bytes) {
    const words = 50 + (next() % 2000);
    const text = Array.from({ length: words }, () => WORDS[next() % WORDS.length]).join(' ');
    const line = `${row++},"${text}."\n`;
    written += line.length;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return row;
}

function wordTokenizer(): PrepareTokenizer {
  const ids = new Map<string, number>();
  const id = (word: string) => {
    let value = ids.get(word);
    if (value === undefined) {
      value = 1000 + ids.size;
      ids.set(word, value);
    }
    return value;
  };
  return {
    encode: (text) =>
      text
        .split(' ')
        .filter((w) => w !== '')
        .map(id),
    firstTokenWithSpace: (token) => [token],
    bos: [50281],
    eos: [50282],
  };
}

const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'bcmb-prepare-bench-'));
try {
  const csv = join(dir, 'synthetic_notes.csv');
  const rows = await writeCsv(csv, csvMb * MB);
  const size = (await stat(csv)).size;
  const tokenizer =
    tokenizerName === 'modernbert'
      ? prepareTokenizerFrom(
          await loadTokenizer(new URL('../../tokenizer/fixtures/modernbert/', import.meta.url).pathname, {
            addPrefixSpace: true,
          }),
        )
      : wordTokenizer();
  const started = performance.now();
  const result = await prepareMds({
    csv,
    outDir: join(dir, 'mds'),
    tokenizer,
    progress: false,
    log: () => {},
  });
  const seconds = (performance.now() - started) / 1000;
  let mdsBytes = 0;
  for (const name of await (await import('node:fs/promises')).readdir(result.outDir)) {
    mdsBytes += (await stat(join(result.outDir, name))).size;
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify(
      {
        bench: 'prepareMds',
        tokenizer: tokenizerName,
        csvMB: +(size / MB).toFixed(1),
        rows,
        samples: result.samples,
        tokens: result.tokens,
        shards: result.shards,
        mdsMB: +(mdsBytes / MB).toFixed(1),
        seconds: +seconds.toFixed(1),
        csvMBperSecond: +(size / MB / seconds).toFixed(2),
        mdsMBperSecond: +(mdsBytes / MB / seconds).toFixed(2),
        tokensPerSecond: Math.round(result.tokens / seconds),
        peakRssMB: Math.round(peakRssMb),
      },
      null,
      1,
    ),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
