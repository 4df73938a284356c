/**
 * The CPU anchor workload of fixtures/cpu-anchor-2026-11-21.json on bcmb's ONNX engine: random-weight
 * BERT-base and ModernBERT-base, 64 sequences of 512 tokens in batches of 8 (fixed) and the 64 listed lengths
 * (variable, real tokens counted; bcmb sorts them by length and pads each batch of 8 to its longest), fp32
 * and int8 weights. Prints the anchor table with bcmb's rows, int8 accuracy against fp32, and ModernBERT
 * at 4096 and 8192 tokens.
 *   pnpm --filter @bcmb/onnx bench
 *   BENCH_ROUNDS=3 (medians of rounds; default 3)  BENCH_THREADS=2  BENCH_MODELS=bert-base,modernbert-base
 *   BENCH_LONG=0 skips the long-input runs.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  exportRandomEncoder,
  OnnxSession,
  onnxRuntimeAvailable,
  padBatch,
  planBatches,
  type Sequence,
  serializeModel,
} from '../src/index.js';
import { type AnchorModel, anchorConfig } from './configs.js';
import { exportPlainEncoder } from './plain-graph.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const THREADS = Number(process.env['BENCH_THREADS'] ?? 2);
const MODELS = (process.env['BENCH_MODELS'] ?? 'modernbert-base,bert-base').split(',') as AnchorModel[];
const LONG = process.env['BENCH_LONG'] !== '0';
const LONG_LENGTHS = [4096, 8192];
/**
 * bcmb fp32 and int8, and (unless BENCH_PLAIN=0) the plain-op stand-ins for the transformers.js route, fp32
 * and int8 (its weight MatMuls quantized as onnxruntime's quantize_dynamic writes them).
 */
const VARIANTS =
  process.env['BENCH_PLAIN'] === '0' ? ['fp32', 'int8'] : ['plain', 'fp32', 'plain-int8', 'int8'];
const isPlain = (variant: string) => variant.startsWith('plain');
/** Labels of the random linear classifier used to compare int8 and fp32 argmax predictions. */
const PROBE_LABELS = 9;

interface Anchor {
  workload: { n_sequences: number; batch_size: number; variable_lengths: Record<AnchorModel, number[]> };
  anchors_ktok_per_s: Record<AnchorModel, Record<string, Record<string, number>>>;
}
const anchor = JSON.parse(
  readFileSync(new URL('../fixtures/cpu-anchor-2026-11-21.json', import.meta.url), 'utf8'),
) as Anchor;

function randomIds(lengths: number[], vocab: number, seed: number): Sequence[] {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  return lengths.map((length) => ({ inputIds: Array.from({ length }, () => 5 + (next() % (vocab - 10))) }));
}

interface Workload {
  sequences: Sequence[];
  realTokens: number;
}

/** Runs the workload once; returns seconds and the first batch's hidden states (for accuracy checks). */
async function runOnce(session: OnnxSession, workload: Workload, batchSize: number, sort: boolean) {
  const batches = planBatches(
    workload.sequences.map((s) => s.inputIds.length),
    { batchSize, sortByLength: sort, maxTokens: Number.POSITIVE_INFINITY },
  );
  let first: { hidden: Float32Array; mask: Int32Array } | undefined;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (const batch of batches) {
    const padded = padBatch(workload.sequences, batch);
    const out = await session.run(padded);
    first ??= {
      hidden: out['last_hidden_state']?.data as Float32Array,
      mask: padded.attentionMask as Int32Array,
    };
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    seconds: (performance.now() - start) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    first: first as { hidden: Float32Array; mask: Int32Array },
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Per real token: cosine of int8 vs fp32 hidden states, and agreement of a random linear classifier's argmax. */
function int8Accuracy(fp32: Float32Array, int8: Float32Array, mask: Int32Array, hidden: number) {
  const probe = Float32Array.from({ length: hidden * PROBE_LABELS }, (_, i) => Math.sin(i * 12.9898) * 0.05);
  const argmax = (h: Float32Array, base: number) => {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < PROBE_LABELS; c++) {
      let sum = 0;
      for (let k = 0; k < hidden; k++)
        sum += (h[base + k] as number) * (probe[k * PROBE_LABELS + c] as number);
      if (sum > bestValue) [best, bestValue] = [c, sum];
    }
    return best;
  };
  let cosSum = 0;
  let cosMin = 1;
  let same = 0;
  let count = 0;
  for (let t = 0; t < mask.length; t++) {
    if (mask[t] === 0) continue;
    const base = t * hidden;
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < hidden; k++) {
      const a = fp32[base + k] as number;
      const b = int8[base + k] as number;
      dot += a * b;
      na += a * a;
      nb += b * b;
    }
    const cos = dot / Math.sqrt(na * nb);
    cosSum += cos;
    cosMin = Math.min(cosMin, cos);
    if (argmax(fp32, base) === argmax(int8, base)) same++;
    count++;
  }
  return { meanCosine: cosSum / count, minCosine: cosMin, sameArgmax: same / count, tokens: count };
}

const fmt = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));

async function main() {
  const status = await onnxRuntimeAvailable();
  if (status !== true) {
    console.log(`onnxruntime-node cannot load here (${status}); nothing to measure.`);
    return;
  }
  console.log(
    `bcmb ONNX anchor bench: ${THREADS} threads, ${ROUNDS} round(s), load average at start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const results: Record<string, Record<string, number>> = {};
  const notes: string[] = [];
  for (const name of MODELS) {
    const { config, source } = anchorConfig(name);
    console.log(`\n${name}: config from ${source}`);
    const { n_sequences: n, batch_size: batchSize } = anchor.workload;
    const fixed: Workload = {
      sequences: randomIds(Array(n).fill(512), config.vocabSize, 1),
      realTokens: n * 512,
    };
    const lengths = anchor.workload.variable_lengths[name];
    const variable: Workload = {
      sequences: randomIds(lengths, config.vocabSize, 2),
      realTokens: lengths.reduce((a, b) => a + b, 0),
    };
    const sessions: Record<string, OnnxSession> = {};
    for (const variant of VARIANTS) {
      const started = performance.now();
      const quantize = variant.endsWith('int8');
      const model = isPlain(variant)
        ? serializeModel(exportPlainEncoder(config, { quantize }))
        : exportRandomEncoder(config, { task: 'base', quantize, seed: 42 });
      // No spinning: on a shared machine spinning threads steal the cores being measured.
      sessions[variant] = await OnnxSession.create(model, { threads: THREADS, spinning: false });
      console.log(`  ${variant}: export + session ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await sessions[variant].run(padBatch(fixed.sequences, { indices: [0], seqLen: 512 }));
    }
    const times: Record<string, number[]> = {};
    const firsts: Record<string, Float32Array> = {};
    let firstMask: Int32Array | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      // Variants back to back on each workload, so a change of load hits them alike.
      for (const [label, workload] of [
        ['fixed512', fixed],
        ['variable', variable],
      ] as const) {
        for (const precision of VARIANTS) {
          // The stand-in runs the anchor's own variable workload: batches of 8 in the listed order.
          const run = await runOnce(
            sessions[precision] as OnnxSession,
            workload,
            batchSize,
            !isPlain(precision),
          );
          const key = `${precision}.${label}`;
          times[key] = [...(times[key] ?? []), workload.realTokens / run.seconds / 1000];
          const cpuKey = `cpu.${key}`;
          times[cpuKey] = [...(times[cpuKey] ?? []), workload.realTokens / (run.cpuSeconds / THREADS) / 1000];
          if (label === 'variable' && round === 0) {
            firsts[precision] = run.first.hidden;
            firstMask = run.first.mask;
          }
          console.log(
            `  round ${round + 1} ${key}: ${run.seconds.toFixed(1)} s wall (${fmt(workload.realTokens / run.seconds / 1000)} kTok/s), ${run.cpuSeconds.toFixed(1)} s CPU`,
          );
        }
      }
    }
    results[name] = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const acc = int8Accuracy(
      firsts['fp32'] as Float32Array,
      firsts['int8'] as Float32Array,
      firstMask as Int32Array,
      config.hiddenSize,
    );
    notes.push(
      `${name} int8 vs fp32 (${acc.tokens} real tokens of the 8 longest variable sequences): mean cosine ${acc.meanCosine.toFixed(5)}, min ${acc.minCosine.toFixed(5)}; identical argmax of a random ${PROBE_LABELS}-label linear classifier ${(100 * acc.sameArgmax).toFixed(1)}%`,
    );
    if (name === 'modernbert-base' && LONG) {
      for (const length of LONG_LENGTHS) {
        for (const precision of ['fp32', 'int8']) {
          const seq = randomIds([length], config.vocabSize, 3);
          const run = await runOnce(
            sessions[precision] as OnnxSession,
            { sequences: seq, realTokens: length },
            1,
            true,
          );
          notes.push(
            `modernbert-base ${precision} one sequence of ${length} tokens: ${run.seconds.toFixed(1)} s wall, ${((1000 * run.seconds) / length).toFixed(2)} ms/token; CPU-time based ${((1000 * run.cpuSeconds) / THREADS / length).toFixed(2)} ms/token`,
          );
          console.log(`  ${notes.at(-1)}`);
        }
      }
    }
    for (const session of Object.values(sessions)) await session.release();
  }

  const a = anchor.anchors_ktok_per_s;
  const cell = (model: AnchorModel, workload: 'fixed512' | 'variable', who: string) =>
    workload === 'fixed512'
      ? a[model]?.['fixed512.ktok_per_s']?.[who]
      : a[model]?.['variable_dynpad.ktok_per_s_real_tokens']?.[who];
  const row = (label: string, get: (m: AnchorModel, w: 'fixed512' | 'variable') => number | undefined) =>
    `| ${label} | ${fmt(get('modernbert-base', 'fixed512'))} | ${fmt(get('modernbert-base', 'variable'))} | ${fmt(get('bert-base', 'fixed512'))} | ${fmt(get('bert-base', 'variable'))} |`;
  const table = (title: string, prefix: string) => {
    const ours = (m: AnchorModel, w: string, precision: string) => results[m]?.[`${prefix}${precision}.${w}`];
    const ratio = (precision: string, who: string) => (m: AnchorModel, w: 'fixed512' | 'variable') => {
      const mine = ours(m, w, precision);
      const theirs = cell(m, w, who);
      return mine === undefined || theirs === undefined ? undefined : mine / theirs;
    };
    console.log(`\n${title}\n`);
    console.log(
      '| | ModernBERT-base fixed 512 | ModernBERT-base variable | BERT-base fixed 512 | BERT-base variable |',
    );
    console.log('| --- | --- | --- | --- | --- |');
    console.log(row('HF PyTorch eager fp32 (anchor)', (m, w) => cell(m, w, 'pytorch_eager')));
    console.log(row('transformers.js route fp32 (anchor)', (m, w) => cell(m, w, 'ort_node_fp32')));
    console.log(row('transformers.js route int8 (anchor)', (m, w) => cell(m, w, 'ort_node_int8')));
    console.log(row('**bcmb ONNX fp32**', (m, w) => ours(m, w, 'fp32')));
    console.log(row('**bcmb ONNX int8**', (m, w) => ours(m, w, 'int8')));
    console.log(row('bcmb fp32 / route fp32 (anchor)', ratio('fp32', 'ort_node_fp32')));
    console.log(row('bcmb int8 / route int8 (anchor)', ratio('int8', 'ort_node_int8')));
    if (!VARIANTS.some(isPlain)) return;
    const sameSitting =
      (precision: string, against = 'plain') =>
      (m: AnchorModel, w: string) => {
        const mine = ours(m, w, precision);
        const plain = ours(m, w, against);
        return mine === undefined || plain === undefined ? undefined : mine / plain;
      };
    console.log(
      row('plain-op stand-in for the route, fp32 (this sitting; variable in anchor order)', (m, w) =>
        ours(m, w, 'plain'),
      ),
    );
    console.log(
      row('plain-op stand-in for the route, int8 (this sitting; variable in anchor order)', (m, w) =>
        ours(m, w, 'plain-int8'),
      ),
    );
    console.log(row('bcmb fp32 / stand-in fp32 (this sitting)', sameSitting('fp32')));
    console.log(row('bcmb int8 / stand-in fp32 (this sitting)', sameSitting('int8')));
    console.log(row('**bcmb int8 / stand-in int8** (this sitting)', sameSitting('int8', 'plain-int8')));
    const estimate =
      (precision: string, against: string, who: string) => (m: AnchorModel, w: 'fixed512' | 'variable') => {
        const r = sameSitting(precision, against)(m, w);
        const route = cell(m, w, who);
        return r === undefined || route === undefined ? undefined : r * route;
      };
    console.log(
      row(
        'estimate, idle machine: bcmb fp32 = route fp32 anchor × ratio',
        estimate('fp32', 'plain', 'ort_node_fp32'),
      ),
    );
    console.log(
      row(
        'estimate, idle machine: bcmb int8 = route int8 anchor × int8 ratio',
        estimate('int8', 'plain-int8', 'ort_node_int8'),
      ),
    );
  };
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  table(
    `Wall clock: kTok/s (thousands of real tokens per second), ${THREADS} threads, load average at end ${load}`,
    '',
  );
  table(
    `CPU-time based: real tokens / (process CPU seconds / ${THREADS} threads), what ${THREADS} free cores would give if the work scaled perfectly (an estimate for a loaded machine)`,
    'cpu.',
  );
  console.log(
    '\nAnchor variable column: each batch of 8 (in the listed order) padded to its longest ("dynpad"), real tokens counted.',
  );
  console.log(
    "bcmb's variable column: the same 64 lengths sorted by length, batches of 8 each padded to its longest. The anchors were measured on an idle machine; on a loaded one the wall-clock rows are low and the CPU-time rows are the fairer comparison.\n",
  );
  for (const note of notes) console.log(`- ${note}`);
}

await main();
