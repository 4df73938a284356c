import { cpus, loadavg, platform } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@bcmb/core';
import { renderSpeedChart } from './chart.js';
import type { ModelEngineResult } from './runner.js';
import { kiloTokensPerSecond } from './stats.js';

/** Research: `results/<model>_inference_times.json`. */
export const RESEARCH_RESULTS_SUFFIX = '_inference_times.json';

/** One set in the research's results file; the first four keys are the research's own. */
export interface ResearchDatasetEntry {
  mean: number;
  std: number;
  max_batch_size: number;
  ktok_per_sec: number;
  ktok_per_sec_real_tokens: number;
  padding_share: number;
  n_iters: number;
  num_samples: number;
}

export interface ReportMeta {
  /** The command line that produced the report. */
  command: string;
  createdAt: string;
  /** `loadAverage`: the 1-minute load when the run started; above the core count, other work competed for the CPU. */
  host: { cpu: string; cores: number; platform: string; node: string; loadAverage?: number };
  samples: number;
  iters: number;
  seed: number;
}

/** Call before the run: the load average tells whether other work competed for the CPU. */
export function describeHost(): ReportMeta['host'] {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    platform: platform(),
    node: process.version,
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
  };
}

/** The research's results object for one model on one engine. */
export function researchResults(result: ModelEngineResult): Record<string, ResearchDatasetEntry> {
  return Object.fromEntries(
    result.datasets.map((timing) => [
      timing.dataset,
      {
        mean: timing.mean,
        std: timing.std,
        max_batch_size: timing.batchSize,
        ktok_per_sec: timing.ktokPerSec,
        ktok_per_sec_real_tokens: timing.ktokPerSecReal,
        padding_share: timing.paddingShare,
        n_iters: timing.seconds.length,
        num_samples: timing.samples,
      },
    ]),
  );
}

/**
 * `<model>_<engine>_inference_times.json`, like the research's `<model>_xformers_inference_times.json`
 * variant; a hub id keeps its `org/` folder as the research's path does.
 */
export function researchResultsPath(result: ModelEngineResult): string {
  const model = result.model
    .split('/')
    .filter((part) => part !== '' && part !== '.' && part !== '..')
    .join('/');
  return `${model}_${result.engine}${RESEARCH_RESULTS_SUFFIX}`;
}

const fixed = (value: number, digits: number) => value.toFixed(digits);
/** Three significant digits: CPU speeds of full-size encoders are often below 0.1 kTok/s. */
const significant = (value: number) => value.toPrecision(3);

/** A markdown table of every model × engine × set, with the run's settings above it. */
export function markdownReport(results: readonly ModelEngineResult[], meta: ReportMeta): string {
  const lines = [
    '# Inference speed',
    '',
    `Command: \`${meta.command}\``,
    '',
    `Host: ${meta.host.cpu} (${meta.host.cores} cores, ${meta.host.platform}), Node ${meta.host.node}; ${meta.createdAt}` +
      (meta.host.loadAverage === undefined
        ? '.'
        : `; load average ${meta.host.loadAverage} when the run started.`),
    `Samples per set: ${meta.samples}; timed passes: ${meta.iters}; seed: ${meta.seed}.`,
    "kTok/s (nominal) counts the research's tokens per sample (512, 256, 4096, 2048, 8192, 4096; the results JSON rounds it to 2 decimals as the research does); kTok/s (real) counts unpadded tokens.",
    '',
    '| model | engine | weights | set | batch size | seconds (mean ± std) | kTok/s (nominal) | kTok/s (real) | padding | peak RSS (MB) |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  // Notes go below the table: a line inside the loop would end the markdown table and break every later row.
  const notes = new Set<string>();
  for (const result of results) {
    const weights = result.randomWeights ? 'random' : 'checkpoint';
    for (const timing of result.datasets) {
      lines.push(
        `| ${result.model} | ${result.engine} | ${weights} | ${timing.dataset} | ${timing.batchSize} (${timing.batchSizeSource}) | ` +
          `${fixed(timing.mean, 2)} ± ${fixed(timing.std, 2)} | ${significant(kiloTokensPerSecond(timing.nominalTokens, timing.mean))} | ` +
          `${significant(timing.ktokPerSecReal)} | ` +
          `${fixed(timing.paddingShare * 100, 1)}% | ${Math.round(timing.peakMemoryBytes / 2 ** 20)} |`,
      );
    }
    for (const failure of result.failures) {
      lines.push(
        `| ${result.model} | ${result.engine} | ${weights} | ${failure.dataset} | failed: ${failure.message.replaceAll('|', '\\|').replaceAll('\n', ' ')} | | | | | |`,
      );
    }
    if (result.skipped.length > 0) {
      notes.add(`${result.model}: ${result.skipped.join(', ')} skipped (max length ${result.maxLength}).`);
    }
  }
  if (notes.size > 0) lines.push('', ...notes);
  if (results.some((result) => result.randomWeights)) {
    lines.push(
      '',
      'Random weights: the model directory held only config.json; speed does not depend on weight values.',
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface WrittenReport {
  resultFiles: string[];
  summary: string;
  markdown: string;
  chart: string;
}

/**
 * Writes, under `outputDir`: one research-layout JSON per model × engine, `speed-report.json` (everything,
 * per-pass seconds and search trials included), `speed-report.md` and `speed-report.svg`. Each file is written atomically.
 */
export async function writeSpeedReport(
  outputDir: string,
  results: readonly ModelEngineResult[],
  meta: ReportMeta,
): Promise<WrittenReport> {
  const resultFiles: string[] = [];
  for (const result of results) {
    const path = join(outputDir, researchResultsPath(result));
    await writeFileAtomic(path, `${JSON.stringify(researchResults(result), null, 2)}\n`);
    resultFiles.push(path);
  }
  const summary = join(outputDir, 'speed-report.json');
  await writeFileAtomic(summary, `${JSON.stringify({ meta, results }, null, 2)}\n`);
  const markdown = join(outputDir, 'speed-report.md');
  await writeFileAtomic(markdown, markdownReport(results, meta));
  const chart = join(outputDir, 'speed-report.svg');
  await writeFileAtomic(chart, await renderSpeedChart(results));
  return { resultFiles, summary, markdown, chart };
}
