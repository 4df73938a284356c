import { appendFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CASE_TIME_LIMIT_MS, type FuzzCounts, formatCounts, fuzzRuns, fuzzTarget } from './harness.js';
import { TARGETS } from './targets.js';

/**
 * Every parser of a file a user or an attacker hands bcmb, fed mutated files: each outcome is a load or a
 * `BcmbError`, never an untyped error or an exception escaping to the process, each case within 5 s.
 * CI runs a few cases per parser; `BCMB_FUZZ_RUNS=10000 pnpm fuzz` runs the long campaign.
 */
const RUNS = fuzzRuns(40);
const results: FuzzCounts[] = [];

afterAll(() => {
  process.stdout.write(`\nfuzz: ${RUNS} cases per parser\n${formatCounts(results)}\n`);
});

describe('fuzzed input files end in a load or a BcmbError', () => {
  it.each(TARGETS.map((target) => [target.name, target] as const))(
    '%s',
    async (_name, target) => {
      const counts = await fuzzTarget(target, RUNS);
      results.push(counts);
      // Long runs: each parser's row as soon as it is done, so an interrupted campaign keeps its counts.
      const report = process.env['BCMB_FUZZ_REPORT'];
      if (report) appendFileSync(report, `${formatCounts([counts]).split('\n')[2]}\n`);
      expect(counts.untypedExamples).toEqual([]);
      expect(counts.untyped).toBe(0);
      expect(counts.escaped).toBe(0);
      expect(counts.cases).toBe(RUNS);
      expect(counts.slowestCaseMs).toBeLessThan(CASE_TIME_LIMIT_MS);
      expect(counts.maxRssGrowthBytes).toBeLessThan(512 * 2 ** 20);
    },
    Math.max(120_000, RUNS * 200),
  );
});
