import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBcmbError } from '@bcmb/core';
import fc from 'fast-check';

/**
 * The fuzz harness: mutates valid seed files (byte-level edits, biased towards the structure-rich head and tail,
 * plus JSON-aware edits for JSON files), hands each mutant to a parser, and sorts every outcome into a successful
 * load, a typed error (a `BcmbError` subclass) or an untyped one. The contract under test: untyped = 0, every case
 * within `CASE_TIME_LIMIT_MS`, and memory bounded (see `FuzzCounts.maxRssGrowthBytes`).
 */

/** One parser under test: valid seed inputs and the load that must succeed or end in a `BcmbError`. */
export interface FuzzTarget {
  name: string;
  seeds: () => Promise<Uint8Array[]>;
  /** Loads `bytes` as the parser's input; `dir` is an empty scratch folder for files. */
  load: (bytes: Uint8Array, dir: string) => Promise<unknown>;
  /** Seeds are JSON: half of the cases also get JSON-aware edits. */
  json?: boolean;
}

export interface FuzzCounts {
  target: string;
  cases: number;
  successes: number;
  typed: number;
  untyped: number;
  /** Typed error classes seen, with their counts. */
  errorClasses: Record<string, number>;
  /** The first few untyped errors, with the mutation that caused them. */
  untypedExamples: string[];
  slowestCaseMs: number;
  /** Largest RSS growth over the RSS before the run, sampled after each case. */
  maxRssGrowthBytes: number;
  /**
   * Exceptions that escaped the parser's promise (thrown in a callback) or rejections nobody awaited. Outside a
   * test runner each of these would end the Node process.
   */
  escaped: number;
}

/** Every case must finish within this time. */
export const CASE_TIME_LIMIT_MS = 5_000;

/** Cases per parser: `BCMB_FUZZ_RUNS` or a small count that keeps CI fast. */
export function fuzzRuns(fallback: number): number {
  const given = Number(process.env['BCMB_FUZZ_RUNS']);
  return Number.isInteger(given) && given > 0 ? given : fallback;
}

/** Seed of the random walk: `BCMB_FUZZ_SEED`, fixed by default so CI runs are reproducible. */
export function fuzzSeed(): number {
  const given = Number(process.env['BCMB_FUZZ_SEED']);
  return Number.isInteger(given) ? given : 17;
}

type Position = { from: 'any' | 'head' | 'tail'; n: number };

type Edit =
  | { kind: 'set'; at: Position; value: number }
  | { kind: 'flip'; at: Position; bit: number }
  | { kind: 'int'; at: Position; width: 2 | 4 | 8; value: bigint }
  | { kind: 'insert'; at: Position; bytes: number[] }
  | { kind: 'delete'; at: Position; length: number }
  | { kind: 'truncate'; at: Position }
  | { kind: 'duplicate'; at: Position; length: number; to: Position };

/** Values that break length and offset arithmetic more often than random ones. */
const INTERESTING = [
  0n,
  1n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  2n ** 40n,
  2n ** 53n,
  2n ** 63n,
  2n ** 64n - 1n,
];

/** A position: anywhere, or (half of the time) in the first or last 4 KiB where headers and directories live. */
const position = fc.oneof(
  fc.nat().map((n) => ({ from: 'any' as const, n })),
  fc.nat(4095).map((n) => ({ from: 'head' as const, n })),
  fc.nat(4095).map((n) => ({ from: 'tail' as const, n })),
);

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: position, value: fc.nat(255) }),
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant('int' as const),
    at: position,
    width: fc.constantFrom(2 as const, 4 as const, 8 as const),
    value: fc.constantFrom(...INTERESTING),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: position,
    length: fc.integer({ min: 1, max: 256 }),
    to: position,
  }),
);

function resolve(at: Position, length: number): number {
  if (length === 0) return 0;
  if (at.from === 'head') return at.n % length;
  if (at.from === 'tail') return Math.max(0, length - 1 - (at.n % length));
  return at.n % length;
}

/** Applies byte-level edits to a copy of `seed`. */
export function applyEdits(seed: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let bytes = Buffer.from(seed);
  for (const edit of edits) {
    const at = resolve(edit.at, bytes.length);
    switch (edit.kind) {
      case 'set':
        if (bytes.length > 0) bytes[at] = edit.value;
        break;
      case 'flip':
        if (bytes.length > 0) bytes[at]! ^= 1 << edit.bit;
        break;
      case 'int':
        for (let i = 0; i < edit.width && at + i < bytes.length; i++) {
          bytes[at + i] = Number((edit.value >> BigInt(8 * i)) & 0xffn);
        }
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(edit.bytes), bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'duplicate': {
        const chunk = Buffer.from(bytes.subarray(at, at + edit.length));
        const to = resolve(edit.to, bytes.length);
        bytes = Buffer.concat([bytes.subarray(0, to), chunk, bytes.subarray(to)]);
        break;
      }
    }
  }
  return bytes;
}

/** A JSON-aware edit: the value at a random path of the parsed seed is replaced by an arbitrary JSON value. */
function applyJsonEdit(seed: Uint8Array, pathChoices: readonly number[], replacement: unknown): Uint8Array {
  let root: unknown;
  try {
    root = JSON.parse(Buffer.from(seed).toString('utf8'));
  } catch {
    return seed;
  }
  let parent: Record<string, unknown> | unknown[] | undefined;
  let key: string | number | undefined;
  let node = root;
  for (const choice of pathChoices) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node as Record<string, unknown>;
    key = keys[choice % keys.length]!;
    node = (parent as Record<string | number, unknown>)[key];
  }
  if (parent === undefined || key === undefined) return seed;
  (parent as Record<string | number, unknown>)[key] = replacement;
  return Buffer.from(JSON.stringify(root));
}

const caseArbitrary = (seedCount: number, json: boolean) =>
  fc.record({
    seed: fc.nat(seedCount - 1),
    edits: fc.array(editArbitrary, { minLength: 0, maxLength: 6 }),
    jsonEdit: json
      ? fc.option(
          fc.record({
            path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
            value: fc.oneof(
              fc.jsonValue({ maxDepth: 3 }),
              fc.constantFrom(-1, 0, 1.5, 2 ** 31, 2 ** 53, 1e308, '', 'Foo', null, [], {}),
            ),
          }),
          { freq: 2 },
        )
      : fc.constant(null),
  });

/** Runs `runs` cases against `target` and counts the outcomes (never throws on an untyped error: it counts it). */
export async function fuzzTarget(target: FuzzTarget, runs: number, seed = fuzzSeed()): Promise<FuzzCounts> {
  const seeds = await target.seeds();
  const counts: FuzzCounts = {
    target: target.name,
    cases: 0,
    successes: 0,
    typed: 0,
    untyped: 0,
    errorClasses: {},
    untypedExamples: [],
    slowestCaseMs: 0,
    maxRssGrowthBytes: 0,
    escaped: 0,
  };
  const onEscape = (error: unknown) => {
    counts.escaped++;
    if (counts.untypedExamples.length < 5)
      counts.untypedExamples.push(`escaped: ${String(error).slice(0, 300)}`);
  };
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  const rssBefore = process.memoryUsage().rss;
  const scratch = await mkdtemp(join(tmpdir(), `bcmb-fuzz-${target.name.replace(/\W+/g, '-')}-`));
  try {
    await fc.assert(
      fc.asyncProperty(caseArbitrary(seeds.length, target.json === true), async (input) => {
        let bytes = seeds[input.seed]!;
        if (input.jsonEdit) bytes = applyJsonEdit(bytes, input.jsonEdit.path, input.jsonEdit.value);
        bytes = applyEdits(bytes, input.edits);
        const dir = await mkdtemp(join(scratch, 'case-'));
        const start = performance.now();
        try {
          await target.load(bytes, dir);
          counts.successes++;
        } catch (error) {
          if (isBcmbError(error)) {
            counts.typed++;
            counts.errorClasses[error.name] = (counts.errorClasses[error.name] ?? 0) + 1;
          } else {
            counts.untyped++;
            if (counts.untypedExamples.length < 5) {
              const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
              counts.untypedExamples.push(
                `${message.slice(0, 300)} ← ${JSON.stringify(input, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)).slice(0, 400)}`,
              );
            }
          }
        } finally {
          const elapsed = performance.now() - start;
          counts.slowestCaseMs = Math.max(counts.slowestCaseMs, elapsed);
          counts.cases++;
          counts.maxRssGrowthBytes = Math.max(
            counts.maxRssGrowthBytes,
            process.memoryUsage().rss - rssBefore,
          );
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
  } finally {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    await rm(scratch, { recursive: true, force: true });
  }
  return counts;
}

/** One line per parser, as the issue asks: cases, typed, successes, untyped, slowest case, memory. */
export function formatCounts(all: readonly FuzzCounts[]): string {
  const rows = all.map(
    (c) =>
      `| ${c.target} | ${c.cases} | ${c.successes} | ${c.typed} | ${c.untyped} | ${c.escaped} | ${c.slowestCaseMs.toFixed(0)} | ${(c.maxRssGrowthBytes / 2 ** 20).toFixed(0)} |`,
  );
  return [
    '| parser | cases | loaded | typed errors | untyped | escaped (process exits) | slowest case (ms) | max RSS growth (MiB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}
