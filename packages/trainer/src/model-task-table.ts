import { getTask, listTasks } from '@bcmb/datasets';
import type { AggregateRow, MetricStats } from './aggregate.js';
import { bestMetricFor } from './evaluation.js';

/** One cell of the paper-style table: a model's headline score on a task over seeds. */
export interface ModelTaskCell {
  model: string;
  dataset: string;
  /** The test metric shown, e.g. `eval_weighted_f1`. */
  metric: string;
  stats: MetricStats;
  /** The hyper-parameter group shown (the best mean when several were run) and how many groups there were. */
  row: AggregateRow;
  groups: number;
}

/**
 * A task's headline test metric: the one main.py selects the best epoch by (`metric_for_best_model`), weighted F1
 * for sequence tasks and seqeval F1 for token tasks. Tasks bcmb does not know fall back to what their logs hold.
 */
export function headlineMetric(dataset: string, available: readonly string[] = []): string {
  if (listTasks().includes(dataset)) return `eval_${bestMetricFor(getTask(dataset).problemType)}`;
  return ['eval_f1', 'eval_weighted_f1', 'eval_accuracy'].find((m) => available.includes(m)) ?? 'eval_f1';
}

/** Models × tasks: for each pair, the hyper-parameter group with the best mean headline metric. */
export function modelTaskCells(rows: readonly AggregateRow[]): ModelTaskCell[] {
  const pairs = new Map<string, AggregateRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.model, row.dataset]);
    pairs.set(key, [...(pairs.get(key) ?? []), row]);
  }
  const cells: ModelTaskCell[] = [];
  for (const group of pairs.values()) {
    const metric = headlineMetric(group[0]!.dataset, Object.keys(group[0]!.stats));
    const scored = group.filter((row) => row.stats[metric] !== undefined);
    if (scored.length === 0) continue;
    const best = scored.reduce((a, b) => (b.stats[metric]!.mean > a.stats[metric]!.mean ? b : a));
    cells.push({
      model: best.model,
      dataset: best.dataset,
      metric,
      stats: best.stats[metric]!,
      row: best,
      groups: group.length,
    });
  }
  return cells;
}

/** Registered tasks in their registry order (the paper's), then any others alphabetically. */
function taskOrder(cells: readonly ModelTaskCell[]): string[] {
  const present = new Set(cells.map((cell) => cell.dataset));
  const known = listTasks().filter((task) => present.has(task));
  return [...known, ...[...present].filter((task) => !known.includes(task)).sort()];
}

function meanStd(stats: MetricStats): string {
  return `${stats.mean.toFixed(4)} ± ${Number.isNaN(stats.std) ? 'n/a' : stats.std.toFixed(4)}`;
}

/** The paper's layout: one row per model, one column per task, mean ± sample std of the headline metric. */
export function modelTaskMarkdown(cells: readonly ModelTaskCell[]): string {
  const tasks = taskOrder(cells);
  const models = [...new Set(cells.map((cell) => cell.model))].sort();
  const header = [
    'model',
    ...tasks.map(
      (task) => `${task} (${cells.find((c) => c.dataset === task)!.metric.replace(/^eval_/, '')})`,
    ),
  ];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const model of models) {
    const row = tasks.map((task) => {
      const cell = cells.find((c) => c.model === model && c.dataset === task);
      return cell ? `${meanStd(cell.stats)} (n=${cell.row.seeds.length})` : '';
    });
    lines.push(`| ${[model, ...row].join(' | ')} |`);
  }
  const searched = cells.filter((cell) => cell.groups > 1);
  const note =
    searched.length > 0
      ? `\nCells with several hyper-parameter groups show the group with the best mean (${searched
          .map(
            (c) =>
              `${c.model}/${c.dataset}: lr ${c.row.lr}, wd ${c.row.wd}, batch ${c.row.effectiveBatchSize}`,
          )
          .join('; ')}).\n`
      : '';
  return `${lines.join('\n')}\n${note}`;
}

/** The same cells, one line each, with the hyper-parameters of the group shown. */
export function modelTaskCsv(cells: readonly ModelTaskCell[]): string {
  const header = 'Model,Dataset,metric,mean,std,n_seeds,lr,wd,effective_batch_size,groups';
  const lines = cells.map((c) =>
    [
      c.model,
      c.dataset,
      c.metric,
      c.stats.mean,
      Number.isNaN(c.stats.std) ? '' : c.stats.std,
      c.row.seeds.length,
      c.row.lr,
      c.row.wd,
      c.row.effectiveBatchSize,
      c.groups,
    ]
      .map((value) => {
        const text = String(value);
        return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
      })
      .join(','),
  );
  return `${[header, ...lines].join('\n')}\n`;
}
