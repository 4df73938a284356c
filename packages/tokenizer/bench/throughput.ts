/**
 * Tokens per second on ~2 MB of clinical-style notes, batched, for ModernBERT (add_prefix_space,
 * as the research code) and Bio_ClinicalBERT (vocab.txt, lower-cased), against Hugging Face's Rust
 * `tokenizers` napi binding in the same run (dev-only comparison). Then a 4 MB single document:
 * time per MB from 0.5 MB to 4 MB, which must stay flat (linear time, no stack overflow).
 *
 * Run: pnpm --filter @bcmb/tokenizer bench
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as rust from 'tokenizers';
import {
  loadTokenizer,
  parseVocab,
  type Tokenizer,
  tokenizerFromJson,
  wordPieceTokenizerJson,
} from '../src/index.js';
import { clinicalDocument, clinicalNotes } from './clinical-text.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const CORPUS_CHARS = 2_000_000;
const BATCH_SIZE = 32;
// The ratio the issue asks bcmb to stay at or above (bcmb tokens/s ÷ Rust tokens/s).
const REQUIRED_RATIO = 0.6;
const MB = 1_000_000;
// The machine may be shared: every figure is the best of this many passes.
const REPEATS = 3;

interface Contender {
  name: string;
  /** A fresh tokenizer each call, so the first pass can be timed with empty caches. */
  bcmb: () => Tokenizer | Promise<Tokenizer>;
  rustJson: string;
}

async function contenders(): Promise<Contender[]> {
  const modernbertJson = JSON.parse(readFileSync(`${FIXTURES}modernbert/tokenizer.json`, 'utf8'));
  modernbertJson.pre_tokenizer.add_prefix_space = true; // what transformers does with add_prefix_space=True
  const bertJson = wordPieceTokenizerJson(
    parseVocab(readFileSync(`${FIXTURES}bert-base-cased/vocab.txt`, 'utf8')),
  );
  return [
    {
      name: 'ModernBERT (add_prefix_space)',
      bcmb: () => loadTokenizer(`${FIXTURES}modernbert`, { addPrefixSpace: true }),
      rustJson: JSON.stringify(modernbertJson),
    },
    {
      name: 'Bio_ClinicalBERT (vocab.txt, lower-cased)',
      bcmb: () => tokenizerFromJson(bertJson),
      rustJson: JSON.stringify(bertJson),
    },
  ];
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Run {
  seconds: number;
  tokens: number;
  ids: number[][];
}

async function best(run: () => Run | Promise<Run>): Promise<Run> {
  let fastest: Run | undefined;
  for (let r = 0; r < REPEATS; r++) {
    const result = await run();
    if (fastest === undefined || result.seconds < fastest.seconds) fastest = result;
  }
  return fastest!;
}

function timeBcmb(tokenizer: Tokenizer, groups: string[][]): Run {
  const start = performance.now();
  let tokens = 0;
  const ids: number[][] = [];
  for (const group of groups) {
    for (const encoding of tokenizer.encodeBatch(group)) {
      tokens += encoding.ids.length;
      ids.push(encoding.ids);
    }
  }
  return { seconds: (performance.now() - start) / 1000, tokens, ids };
}

async function timeRust(tokenizer: rust.Tokenizer, groups: string[][]): Promise<Run> {
  const start = performance.now();
  let tokens = 0;
  const ids: number[][] = [];
  for (const group of groups) {
    for (const encoding of await tokenizer.encodeBatch(group)) {
      const groupIds = encoding.getIds();
      tokens += groupIds.length;
      ids.push(groupIds);
    }
  }
  return { seconds: (performance.now() - start) / 1000, tokens, ids };
}

function countMismatches(a: number[][], b: number[][]): number {
  let mismatches = 0;
  for (let i = 0; i < a.length; i++) if (a[i]!.join(',') !== b[i]!.join(',')) mismatches++;
  return mismatches;
}

const rate = (tokens: number, seconds: number) =>
  `${Math.round(tokens / seconds).toLocaleString('en-US')} tokens/s`;

async function throughput(): Promise<boolean> {
  const notes = clinicalNotes(CORPUS_CHARS);
  const groups = batches(notes, BATCH_SIZE);
  const chars = notes.reduce((sum, n) => sum + n.length, 0);
  console.log(
    `corpus: ${notes.length} notes, ${(chars / MB).toFixed(2)} M chars, batches of ${BATCH_SIZE}\n`,
  );
  let ok = true;
  for (const { name, bcmb: createBcmb, rustJson } of await contenders()) {
    const bcmb = await createBcmb();
    const rustTokenizer = rust.Tokenizer.fromString(rustJson);
    // The first pass (cold word caches) is reported apart; it also warms the JIT for what follows.
    const oursCold = timeBcmb(bcmb, groups);
    const theirsCold = await timeRust(rustTokenizer, groups);
    const ours = await best(() => timeBcmb(bcmb, groups));
    const theirs = await best(() => timeRust(rustTokenizer, groups));
    process.env.TOKENIZERS_PARALLELISM = 'false';
    const theirsSingle = await best(() => timeRust(rustTokenizer, groups));
    delete process.env.TOKENIZERS_PARALLELISM;
    const ratio = ours.tokens / ours.seconds / (theirs.tokens / theirs.seconds);
    const ratioSingle = ours.tokens / ours.seconds / (theirsSingle.tokens / theirsSingle.seconds);
    ok &&= ratio >= REQUIRED_RATIO;
    console.log(name);
    console.log(
      `  @bcmb/tokenizer (pure JS)          ${rate(ours.tokens, ours.seconds)}  (${ours.seconds.toFixed(2)} s)`,
    );
    console.log(
      `  Rust tokenizers, default threads   ${rate(theirs.tokens, theirs.seconds)}  (${theirs.seconds.toFixed(2)} s)`,
    );
    console.log(
      `  Rust tokenizers, 1 thread          ${rate(theirsSingle.tokens, theirsSingle.seconds)}  (${theirsSingle.seconds.toFixed(2)} s)`,
    );
    console.log(
      `  first pass, empty caches: bcmb ${rate(oursCold.tokens, oursCold.seconds)}, Rust ${rate(theirsCold.tokens, theirsCold.seconds)}`,
    );
    console.log(
      `  ratio bcmb/Rust: ${ratio.toFixed(2)}x (default threads), ${ratioSingle.toFixed(2)}x (1 thread); required >= ${REQUIRED_RATIO}x`,
    );
    console.log(
      `  same ids as Rust: ${notes.length - countMismatches(ours.ids, theirs.ids)}/${notes.length} notes, ${ours.tokens} vs ${theirs.tokens} tokens\n`,
    );
  }
  return ok;
}

async function scaling(): Promise<boolean> {
  const tokenizer = await loadTokenizer(`${FIXTURES}modernbert`, { addPrefixSpace: true });
  const sizes = [0.5, 1, 2, 4];
  const document = clinicalDocument(4 * MB);
  tokenizer.encode(document.slice(0, 0.5 * MB)); // warm-up
  console.log(
    `single document (ModernBERT, no truncation; best of ${REPEATS}; CPU time is less sensitive to a busy machine):`,
  );
  const wallPerMb: number[] = [];
  const cpuPerMb: number[] = [];
  for (const size of sizes) {
    const text = document.slice(0, size * MB);
    let wall = Number.POSITIVE_INFINITY;
    let cpu = Number.POSITIVE_INFINITY;
    let tokens = 0;
    for (let r = 0; r < REPEATS; r++) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      tokens = tokenizer.encode(text).ids.length;
      wall = Math.min(wall, (performance.now() - start) / 1000);
      const used = process.cpuUsage(cpuStart);
      cpu = Math.min(cpu, (used.user + used.system) / 1e6);
    }
    wallPerMb.push(wall / size);
    cpuPerMb.push(cpu / size);
    console.log(
      `  ${size.toFixed(1)} MB: ${tokens.toLocaleString('en-US')} tokens, wall ${wall.toFixed(2)} s (${(wall / size).toFixed(2)} s/MB), CPU ${cpu.toFixed(2)} s (${(cpu / size).toFixed(2)} s/MB)`,
    );
  }
  const wallGrowth = wallPerMb[wallPerMb.length - 1]! / wallPerMb[0]!;
  const cpuGrowth = cpuPerMb[cpuPerMb.length - 1]! / cpuPerMb[0]!;
  console.log(
    `  time per MB at 4 MB ÷ at 0.5 MB: wall ${wallGrowth.toFixed(2)}, CPU ${cpuGrowth.toFixed(2)} (linear if <= 1.5)\n`,
  );
  return wallGrowth <= 1.5;
}

const fast = await throughput();
const linear = await scaling();
console.log(
  `throughput >= ${REQUIRED_RATIO}x Rust: ${fast ? 'yes' : 'NO'}; linear on 4 MB: ${linear ? 'yes' : 'NO'}`,
);
