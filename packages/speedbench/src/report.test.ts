import { describe, expect, it } from 'vitest';
import { markdownReport, researchResults, researchResultsPath } from './report.js';
import type { DatasetTiming, ModelEngineResult } from './runner.js';
import { meanAndStd } from './stats.js';

const timing: DatasetTiming = {
  dataset: 'variable_short',
  samples: 4,
  seqLen: 512,
  batchSize: 2,
  batchSizeSource: 'given',
  searchTrials: [],
  warmupBatches: 1,
  seconds: [2, 4],
  mean: 3,
  std: 1,
  nominalTokens: 1024,
  realTokens: 1100,
  paddedTokens: 2048,
  ktokPerSec: 0.34,
  ktokPerSecReal: 1100 / 1000 / 3,
  paddingShare: 1 - 1100 / 2048,
  peakMemoryBytes: 2 ** 30,
};

const result: ModelEngineResult = {
  model: 'answerdotai/ModernBERT-base',
  modelDir: '/cache/snapshots/abc',
  modelType: 'modernbert',
  engine: 'tfjs-wasm',
  device: 'cpu',
  randomWeights: true,
  maxLength: 512,
  datasets: [timing],
  skipped: ['fixed_medium'],
  failures: [{ dataset: 'fixed_short', message: 'Cannot find a working batch size' }],
};

describe('research results', () => {
  it('keys each set with the research fields mean, std, max_batch_size, ktok_per_sec', () => {
    expect(researchResults(result)).toEqual({
      variable_short: {
        mean: 3,
        std: 1,
        max_batch_size: 2,
        ktok_per_sec: 0.34,
        ktok_per_sec_real_tokens: timing.ktokPerSecReal,
        padding_share: timing.paddingShare,
        n_iters: 2,
        num_samples: 4,
      },
    });
  });

  it('names the file <model>_<engine>_inference_times.json, keeping a hub id org folder like the research', () => {
    expect(researchResultsPath(result)).toBe('answerdotai/ModernBERT-base_tfjs-wasm_inference_times.json');
    expect(researchResultsPath({ ...result, model: '../../etc' })).toBe('etc_tfjs-wasm_inference_times.json');
  });
});

describe('markdownReport', () => {
  it('shows timings, failures, skipped sets and the random-weights label', () => {
    const markdown = markdownReport([result], {
      command: 'bcmb speed -m answerdotai/ModernBERT-base',
      createdAt: '2026-11-21T00:00:00.000Z',
      host: { cpu: 'cpu', cores: 2, platform: 'linux', node: 'v20' },
      samples: 4,
      iters: 2,
      seed: 42,
    });
    expect(markdown).toContain('Command: `bcmb speed -m answerdotai/ModernBERT-base`');
    expect(markdown).toContain(
      '| answerdotai/ModernBERT-base | tfjs-wasm | random | variable_short | 2 (given) | 3.00 ± 1.00 | 0.341 | 0.367 | 46.3% | 1024 |',
    );
    expect(markdown).toContain('| fixed_short | failed: Cannot find a working batch size |');
    expect(markdown).toContain('fixed_medium skipped (max length 512)');
    expect(markdown).toMatch(/Random weights: .*config\.json/);
  });
});

describe('issue 17 item 11: the markdown table stays one table', () => {
  it('puts the skipped-set note of a 512-token model below the table when other models and engines follow', () => {
    const meta = {
      command: 'bcmb speed',
      createdAt: '2026-01-01T00:00:00.000Z',
      host: { cpu: 'test', cores: 2, platform: 'linux', node: 'v20' },
      samples: 4,
      iters: 2,
      seed: 42,
    } as Parameters<typeof markdownReport>[1];
    const bert = { ...result, model: 'bert-base', failures: [] };
    const modern = { ...result, model: 'modernbert-base', maxLength: 8192, skipped: [], failures: [] };
    const lines = markdownReport([bert, { ...bert, engine: 'onnx-cpu' }, modern], meta).split('\n');
    const header = lines.findIndex((line) => line.startsWith('| model |'));
    const rows = lines.slice(header + 2);
    const tableEnd = rows.findIndex((line) => !line.startsWith('|'));
    expect(rows.slice(0, tableEnd)).toHaveLength(3);
    expect(rows.slice(tableEnd).filter((line) => line.startsWith('|'))).toEqual([]);
    expect(lines.filter((line) => line.includes('skipped (max length 512)'))).toEqual([
      'bert-base: fixed_medium skipped (max length 512).',
    ]);
  });

  it('escapes a | in a failure message so the row keeps its columns', () => {
    const meta = {
      command: 'bcmb speed',
      createdAt: '2026-01-01T00:00:00.000Z',
      host: { cpu: 'test', cores: 2, platform: 'linux', node: 'v20' },
      samples: 4,
      iters: 2,
      seed: 42,
    } as Parameters<typeof markdownReport>[1];
    const failing = {
      ...result,
      datasets: [],
      skipped: [],
      failures: [{ dataset: 'fixed_short' as const, message: 'a | b' }],
    };
    const row = markdownReport([failing], meta)
      .split('\n')
      .find((line) => line.includes('failed:'))!;
    expect(row).toContain('failed: a \\| b');
  });
});

describe('meanAndStd', () => {
  it('uses the population standard deviation, as numpy.std does by default', () => {
    expect(meanAndStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(1.25) });
  });
});
