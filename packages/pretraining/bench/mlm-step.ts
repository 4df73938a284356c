/**
 * MLM training throughput of ModernBERT-base (random weights, the shapes of packages/trainer/bench/shapes.ts) on
 * one engine (BENCH_ENGINE=onnx, the default, or tfjs; run each in its own process so peak RSS is its own): one
 * optimizer step (forward, backward, StableAdamW) on a batch of ONE packed row of BENCH_ROW tokens
 * (comma-separated, default "1024,8192"), masked with the packer's rules at p = 0.3. Each row holds sequences of
 * random lengths (≤ the row, ≥ 128) as the packer would place them. Prints tokens/s and the process's peak RSS.
 * BENCH_LAYERS=n keeps base widths with only n layers (for machines where 22 layers are too slow); BENCH_ITERS timed
 * steps after one warm-up (default 1). A row that does not fit the backend's memory (wasm: 4 GB heap) aborts the
 * process, so rows run from small to large and each result is printed as soon as it is measured.
 *   TSX_TSCONFIG_PATH=packages/pretraining/tsconfig.json pnpm tsx packages/pretraining/bench/mlm-step.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@bcmb/modeling';
import { BENCH_SHAPES } from '../../trainer/bench/shapes.js';
import {
  createOnnxEngine,
  createTfjsEngine,
  type MlmSequence,
  NumpyGenerator,
  packerMlmMasking,
} from '../src/index.js';

const rows = (process.env.BENCH_ROW ?? '1024,8192').split(',').map(Number);
const iters = Number(process.env.BENCH_ITERS ?? 1);
const layers = process.env.BENCH_LAYERS === undefined ? undefined : Number(process.env.BENCH_LAYERS);
const engineName = process.env.BENCH_ENGINE ?? 'onnx';
const dir = await mkdtemp(join(tmpdir(), 'bcmb-mlm-bench-'));
const config: Record<string, unknown> = {
  ...BENCH_SHAPES['modernbert-base'],
  architectures: ['ModernBertForMaskedLM'],
};
if (layers !== undefined) config.num_hidden_layers = layers;
config.max_position_embeddings = Math.max(Number(config.max_position_embeddings ?? 8192), ...rows);
await writeFile(join(dir, 'config.json'), JSON.stringify(config));
const optimizer = {
  modelDir: dir,
  maxLr: 3e-4,
  betas: [0.9, 0.98] as [number, number],
  eps: 1e-6,
  weightDecay: 1e-5,
  filterBiasNormWd: true,
  maskTokenId: 50284,
};
let backendName = 'onnxruntime-node CPU';
if (engineName === 'tfjs') backendName = (await initBackend({ onReport: () => {} })).name;
const engine =
  engineName === 'tfjs'
    ? await createTfjsEngine({ ...optimizer, onWarning: () => {} })
    : await createOnnxEngine({ ...optimizer, rowsPerStep: 1 });
console.log(
  `# ModernBERT-base${layers === undefined ? '' : ` (${layers} layers)`} MLM step on ${engine.name} (${backendName}); RSS after setup ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
);
const rng = new NumpyGenerator(42);
try {
  for (const rowTokens of rows) {
    const lengths: number[] = [];
    let left = rowTokens;
    while (left > 0) {
      const length = Math.min(left, 128 + Math.floor((rng.random(1)[0] as number) * (rowTokens - 128)));
      lengths.push(length);
      left -= length;
    }
    const ids = new Int32Array(rowTokens);
    const tokens = rng.integers(100, 50000, rowTokens);
    for (let i = 0; i < rowTokens; i++) ids[i] = tokens[i] as number;
    const masked = packerMlmMasking(ids, 0.3, 50284, 50283, rng);
    const row: MlmSequence[] = [];
    let start = 0;
    for (const length of lengths) {
      row.push({
        inputIds: masked.inputIds.slice(start, start + length),
        labels: masked.labels.slice(start, start + length),
      });
      start += length;
    }
    const batch = { rows: [row], tokens: rowTokens, sequences: row.length };
    await engine.trainStep(batch, 3e-4); // warm-up
    const started = performance.now();
    for (let i = 0; i < iters; i++) await engine.trainStep(batch, 3e-4);
    const seconds = (performance.now() - started) / 1000 / iters;
    console.log(
      JSON.stringify({
        rowTokens,
        sequences: lengths,
        secondsPerStep: +seconds.toFixed(2),
        tokensPerSecond: +(rowTokens / seconds).toFixed(1),
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  }
} finally {
  engine.dispose();
  await rm(dir, { recursive: true, force: true });
}
