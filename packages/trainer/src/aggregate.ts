import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** One research log file: where it sits, the hyper-parameters in its name and the numbers in it. */
export interface RunRecord {
  dataset: string;
  model: string;
  lr: number;
  wd: number;
  epochs: number;
  seed: number;
  effectiveBatchSize: number;
  values: Record<string, number>;
  file: string;
}

export interface MetricStats {
  mean: number;
  /** Sample standard deviation (ddof 1, pandas' default); NaN for a single run. */
  std: number;
  median: number;
  min: number;
  max: number;
}

/** Runs that differ only by seed (the research grouping: model, lr, wd, effective batch size; plus dataset). */
export interface AggregateRow {
  dataset: string;
  model: string;
  lr: number;
  wd: number;
  effectiveBatchSize: number;
  seeds: number[];
  stats: Record<string, MetricStats>;
}

const FILE_NAME = /lr=([^_]+)_wd=([^_]+)_epochs=([^_]+)_seed=([^_]+)_effective_batch_size=([^.]+)\.txt$/;
/** Lines of the log that describe the run rather than measure it. */
const NOT_METRICS = new Set(['Seed', 'Effective batch size']);

/** `key: value` lines with a numeric value (results/aggregate_results.py `parse_log_file`, numbers only). */
export function parseResearchLog(text: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = Number(line.slice(colon + 1).trim());
    if (key !== '' && line.slice(colon + 1).trim() !== '' && !Number.isNaN(value)) values[key] = value;
  }
  return values;
}

async function textFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.txt'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Every `outputs/<dataset>/<model>/lr=…_….txt` under `dir`; files with other names are skipped. */
export async function collectRuns(dir: string): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (const file of await textFiles(dir)) {
    const match = FILE_NAME.exec(basename(file));
    if (!match) continue;
    const [, lr, wd, epochs, seed, effectiveBatchSize] = match.map(Number) as number[];
    const values = parseResearchLog(await readFile(file, 'utf8'));
    for (const key of NOT_METRICS) delete values[key];
    records.push({
      dataset: basename(dirname(dirname(file))),
      model: basename(dirname(file)),
      lr: lr!,
      wd: wd!,
      epochs: epochs!,
      seed: seed!,
      effectiveBatchSize: effectiveBatchSize!,
      values,
      file,
    });
  }
  return records;
}

function stats(values: number[]): MetricStats {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { mean, std: Math.sqrt(variance), median, min: sorted[0]!, max: sorted[n - 1]! };
}

/** Groups runs by dataset, model, lr, wd and effective batch size and summarises each metric over seeds. */
export function aggregateRuns(records: readonly RunRecord[]): AggregateRow[] {
  const groups = new Map<string, RunRecord[]>();
  for (const record of records) {
    const key = JSON.stringify([
      record.dataset,
      record.model,
      record.lr,
      record.wd,
      record.effectiveBatchSize,
    ]);
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const rows = [...groups.values()].map((runs) => {
    const first = runs[0]!;
    const metrics = [...new Set(runs.flatMap((run) => Object.keys(run.values)))];
    const summary: Record<string, MetricStats> = {};
    for (const metric of metrics) {
      const values = runs.map((run) => run.values[metric]).filter((v): v is number => v !== undefined);
      summary[metric] = stats(values);
    }
    return {
      dataset: first.dataset,
      model: first.model,
      lr: first.lr,
      wd: first.wd,
      effectiveBatchSize: first.effectiveBatchSize,
      seeds: runs.map((run) => run.seed).sort((a, b) => a - b),
      stats: summary,
    };
  });
  return rows.sort((a, b) =>
    [a.dataset, a.model].join('\0') === [b.dataset, b.model].join('\0')
      ? a.lr - b.lr || a.wd - b.wd || a.effectiveBatchSize - b.effectiveBatchSize
      : [a.dataset, a.model].join('\0') < [b.dataset, b.model].join('\0')
        ? -1
        : 1,
  );
}

/** Test metrics worth a table column: `eval_*` scores and loss, not the timing rates. */
function tableMetrics(rows: readonly AggregateRow[]): string[] {
  const all = [...new Set(rows.flatMap((row) => Object.keys(row.stats)))];
  return all.filter((m) => m.startsWith('eval_') && !/_(runtime|per_second)$/.test(m));
}

function meanStd(stat: MetricStats | undefined, digits = 4): string {
  if (!stat) return '';
  return `${stat.mean.toFixed(digits)} ± ${Number.isNaN(stat.std) ? 'n/a' : stat.std.toFixed(digits)}`;
}

/** A markdown table: one row per group, mean ± std of each test metric over seeds. */
export function aggregateMarkdown(rows: readonly AggregateRow[]): string {
  const metrics = tableMetrics(rows);
  const header = ['dataset', 'model', 'lr', 'wd', 'eff. batch', 'seeds', ...metrics];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const cells = [row.dataset, row.model, String(row.lr), String(row.wd), String(row.effectiveBatchSize)];
    cells.push(row.seeds.join(','), ...metrics.map((m) => meanStd(row.stats[m])));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function csvCell(value: string | number): string {
  const text = typeof value === 'number' ? (Number.isNaN(value) ? '' : String(value)) : value;
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV like aggregate_results.py's `aggregated_results.csv` (mean/median/min/max per metric), plus std and n. */
export function aggregateCsv(rows: readonly AggregateRow[]): string {
  const metrics = [...new Set(rows.flatMap((row) => Object.keys(row.stats)))];
  const statNames = ['mean', 'std', 'median', 'min', 'max'] as const;
  const header = ['Dataset', 'Model', 'lr', 'wd', 'effective_batch_size', 'n_seeds'];
  for (const metric of metrics) for (const stat of statNames) header.push(`${metric}_${stat}`);
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) {
    const cells: (string | number)[] = [
      row.dataset,
      row.model,
      row.lr,
      row.wd,
      row.effectiveBatchSize,
      row.seeds.length,
    ];
    for (const metric of metrics)
      for (const stat of statNames) cells.push(row.stats[metric]?.[stat] ?? Number.NaN);
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
