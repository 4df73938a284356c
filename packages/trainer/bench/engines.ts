/**
 * The training bench: full training steps (forward, backward, clipping, AdamW; random weights, sequence
 * classification) of BERT-base and ModernBERT-base shapes on each engine, each engine in its own child process
 * (so each peak RSS is its own), one case after the other, every engine seeing the same batch lengths:
 *   - onnx: @bcmb/onnx's TrainingSession (onnx-step.ts), dense layers on real tokens only;
 *   - torch: PyTorch eager through ../shared/bench/torch_train_anchor.py with Debian's python3
 *     (`command -pv python3`), skipped with a note where torch is absent; it pads each batch to its longest;
 *   - wasm: the tfjs engine on tfjs-backend-wasm (train-step.ts), also padding to the longest.
 * Each engine's model FLOP rate (3 × the forward's matrix products on the tokens it computes) is printed as a
 * fraction of its own GEMM rate ([tokens, 768] · [768, 3072] on the same threads), and the ratios onnx/torch and
 * onnx/wasm of real tokens per second.
 *
 *   pnpm --filter @bcmb/trainer bench
 * Env: BENCH_ENGINES (default `onnx,torch`; add `wasm`: about a minute per step at 16 × 128), BENCH_SHAPES
 * (default every case of BENCH_CASES: `bert-base:16x128,modernbert-base:16x128,bert-base:8x512,
 * modernbert-base:8x512,bert-base:16xvar`), BENCH_STEPS (timed steps after the warm-ups, default 3),
 * BENCH_THREADS (default every core), BENCH_TORCH_ANCHOR (the anchor script's path), BENCH_OUT (a JSON file
 * for the results).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encoderForwardFlops, parseConfig } from '@bcmb/architectures';
import { BENCH_CASES, BENCH_SHAPES, type BenchCase, caseLengths } from './shapes.js';

const here = dirname(fileURLToPath(import.meta.url));
const engines = (process.env['BENCH_ENGINES'] ?? 'onnx,torch').split(',').map((e) => e.trim());
const caseIds = (process.env['BENCH_SHAPES'] ?? Object.keys(BENCH_CASES).join(','))
  .split(',')
  .map((s) => s.trim());
const steps = Number(process.env['BENCH_STEPS'] ?? 3);
const threads = Number(process.env['BENCH_THREADS'] ?? availableParallelism());
const anchor =
  process.env['BENCH_TORCH_ANCHOR'] ?? resolve(here, '../../../../shared/bench/torch_train_anchor.py');
/** The anchor runs two warm-up steps before its timed ones. */
const TORCH_WARM_UPS = 2;

/** What every engine's child reports (the JSON line of onnx-step.ts / train-step.ts, torch's mapped onto it). */
interface EngineResult {
  engine: string;
  seconds_per_step: number;
  real_tokens_per_second: number;
  real_tokens_per_step: number;
  padded_tokens_per_step: number;
  model_gflops_per_second: number;
  gemm_gflops: number;
  peak_rss_gib: number;
  note?: string;
}

interface Skipped {
  engine: string;
  skipped: string;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function lastJsonLine(stdout: string): Record<string, unknown> {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON line in the child's output: ${stdout.slice(-500)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

function runChild(command: string, args: string[], env: NodeJS.ProcessEnv): Record<string, unknown> {
  const child = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (child.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${child.status}: ${(child.stderr ?? '').slice(-800)}`,
    );
  return lastJsonLine(child.stdout);
}

function shapeEnv(c: BenchCase): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BENCH_BATCH: String(c.batch),
    ...(c.seq === 'variable' ? { BENCH_VARIABLE: '1' } : { BENCH_SEQ: String(c.seq), BENCH_VARIABLE: '0' }),
    BENCH_THREADS: String(threads),
  };
}

function runOnnx(c: BenchCase): EngineResult {
  const out = runChild('tsx', [resolve(here, 'onnx-step.ts')], {
    ...shapeEnv(c),
    BENCH_MODEL: c.model,
    BENCH_STEPS: String(steps),
  });
  return out as unknown as EngineResult;
}

function runWasm(c: BenchCase): EngineResult {
  const out = runChild('tsx', [resolve(here, 'train-step.ts')], {
    ...shapeEnv(c),
    BENCH_MODELS: c.model,
    BENCH_ITERS: String(steps),
    BENCH_JSON: '1',
    BCMB_BACKEND: 'wasm',
  });
  return out as unknown as EngineResult;
}

/** Debian's python3 when it imports torch, else why not. */
function torchPython(): string | Skipped {
  let python: string;
  try {
    python = execFileSync('sh', ['-c', 'command -pv python3'], { encoding: 'utf8' }).trim();
  } catch {
    return { engine: 'torch', skipped: 'no python3 on the default PATH (`command -pv python3`)' };
  }
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return { engine: 'torch', skipped: `${python} has no torch (apt-get install -y python3-torch)` };
  return python;
}

/**
 * torch's environment: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (set here, they forced a kernel that ran
 * torch's GEMM at 34 instead of 265 GFLOP/s), and libgomp's idle threads sleeping instead of spinning: on a
 * shared machine (load above the core count) spinning OpenMP barriers made torch's small parallel ops 10–30×
 * slower (ORT's threads are set not to spin either, see TrainingSession's `spinning`).
 */
function torchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  delete env['OPENBLAS_CORETYPE'];
  delete env['OPENBLAS_L2_SIZE'];
  return env;
}

const TORCH_GEMM = `
import sys, time, torch
torch.set_num_threads(int(sys.argv[1])); rows = int(sys.argv[2])
a, b = torch.rand(rows, 768), torch.rand(768, 3072)
a @ b
start = time.perf_counter()
for _ in range(5): a @ b
print(2 * rows * 768 * 3072 * 5 / (time.perf_counter() - start) / 1e9)
`;

function runTorch(c: BenchCase, python: string): EngineResult {
  const config = parseConfig({ ...BENCH_SHAPES[c.model], num_labels: 6 }, `${c.model} (bench shape)`);
  const timed = caseLengths(c, TORCH_WARM_UPS + steps).slice(TORCH_WARM_UPS);
  // The anchor runs one width for all its steps: the mean of the timed batches' longest lengths (what the
  // Trainer pads each of these batches to); torch computes the padding, so time ≈ that of the padded width.
  const width = Math.round(timed.reduce((sum, l) => sum + Math.max(...l), 0) / timed.length);
  const realTokens = timed.reduce((sum, l) => sum + l.reduce((a, b) => a + b, 0), 0) / timed.length;
  const kind = c.model.startsWith('modernbert') ? 'modernbert' : 'bert';
  const env = torchEnv();
  const out = runChild(
    python,
    [
      anchor,
      '--model',
      kind,
      '--batch',
      String(c.batch),
      '--seq',
      String(width),
      '--steps',
      String(steps),
      '--threads',
      String(threads),
    ],
    env,
  );
  const times = out['s_per_step'] as number[];
  const seconds = times.reduce((a, b) => a + b, 0) / times.length;
  const gemm = Number(
    execFileSync(python, ['-c', TORCH_GEMM, String(threads), String(c.batch * width)], {
      env,
      encoding: 'utf8',
    }).trim(),
  );
  return {
    engine: `torch ${out['torch']}`,
    seconds_per_step: seconds,
    real_tokens_per_second: realTokens / seconds,
    real_tokens_per_step: realTokens,
    padded_tokens_per_step: c.batch * width,
    model_gflops_per_second: (3 * encoderForwardFlops(config, c.batch, width)) / seconds / 1e9,
    gemm_gflops: gemm,
    peak_rss_gib: (out['peak_rss_mib'] as number) / 1024,
    ...(c.seq === 'variable' ? { note: `padded to ${width} (mean longest of the same batches)` } : {}),
  };
}

const pad = (s: string, n: number) => s.padStart(n);
function row(r: EngineResult): string {
  const fraction = (100 * r.model_gflops_per_second) / r.gemm_gflops;
  return [
    `  ${r.engine.padEnd(18)}`,
    pad(r.real_tokens_per_second.toFixed(0), 9),
    pad(r.seconds_per_step.toFixed(2), 8),
    pad(r.peak_rss_gib.toFixed(2), 9),
    pad(r.model_gflops_per_second.toFixed(1), 9),
    pad(r.gemm_gflops.toFixed(0), 6),
    pad(`${fraction.toFixed(0)}%`, 7),
    r.note ? `  ${r.note}` : '',
  ].join('');
}

const python = engines.includes('torch') ? torchPython() : undefined;
console.log(
  `training steps, ${steps} timed after the warm-ups (onnx and wasm 1, torch 2), ${threads} threads; engines ${engines.join(', ')}`,
);
if (typeof python === 'object') console.log(`torch skipped: ${python.skipped}`);
const results: Record<string, (EngineResult | Skipped)[]> = {};
for (const id of caseIds) {
  const c = BENCH_CASES[id];
  if (c === undefined)
    throw new Error(`unknown bench case "${id}"; known: ${Object.keys(BENCH_CASES).join(', ')}`);
  console.log(`\n${id} (load average before: ${load()})`);
  console.log(
    `  ${'engine'.padEnd(18)}${pad('tok/s', 9)}${pad('s/step', 8)}${pad('RSS GiB', 9)}${pad('GFLOP/s', 9)}${pad('GEMM', 6)}${pad('of GEMM', 8)}`,
  );
  const caseResults: (EngineResult | Skipped)[] = [];
  for (const engine of engines) {
    try {
      let result: EngineResult | Skipped;
      if (engine === 'onnx') result = runOnnx(c);
      else if (engine === 'wasm') result = runWasm(c);
      else if (engine === 'torch')
        result = typeof python === 'string' ? runTorch(c, python) : (python as Skipped);
      else throw new Error(`unknown engine "${engine}" (onnx, torch, wasm)`);
      caseResults.push(result);
      console.log('skipped' in result ? `  ${engine.padEnd(18)} skipped` : row(result));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      caseResults.push({ engine, skipped: message });
      console.log(`  ${engine.padEnd(18)} failed: ${message.slice(0, 300)}`);
    }
  }
  const find = (prefix: string) =>
    caseResults.find((r): r is EngineResult => r.engine.startsWith(prefix) && !('skipped' in r));
  const onnx = find('onnx');
  for (const [label, other] of [
    ['torch', find('torch')],
    ['wasm', find('tfjs')],
  ] as const) {
    if (onnx && other)
      console.log(
        `  onnx / ${label}: ${(onnx.real_tokens_per_second / other.real_tokens_per_second).toFixed(2)}× real tokens/s, ` +
          `${(onnx.peak_rss_gib / other.peak_rss_gib).toFixed(2)}× peak RSS`,
      );
  }
  console.log(`  (load average after: ${load()})`);
  results[id] = caseResults;
}
if (process.env['BENCH_OUT'])
  writeFileSync(process.env['BENCH_OUT'], `${JSON.stringify(results, null, 2)}\n`);
