import { describe, expect, it } from 'vitest';
import type { AggregateRow, MetricStats } from './aggregate.js';
import { aggregateRuns, type RunRecord } from './aggregate.js';
import { headlineMetric, modelTaskCells, modelTaskCsv, modelTaskMarkdown } from './model-task-table.js';

function run(
  dataset: string,
  model: string,
  lr: number,
  seed: number,
  values: Record<string, number>,
): RunRecord {
  return { dataset, model, lr, wd: 0.01, epochs: 3, seed, effectiveBatchSize: 16, values, file: '' };
}

describe('models × tasks table', () => {
  it("takes each task's headline metric from main.py's metric_for_best_model", () => {
    expect(headlineMetric('ChemProt')).toBe('eval_weighted_f1');
    expect(headlineMetric('Phenotype')).toBe('eval_weighted_f1');
    expect(headlineMetric('DEID')).toBe('eval_f1');
    expect(headlineMetric('SocialHistory')).toBe('eval_f1');
    expect(headlineMetric('MyTask', ['eval_accuracy'])).toBe('eval_accuracy');
  });

  it('shows mean ± sample std over seeds per model and task, the best lr group when several ran', () => {
    const rows: AggregateRow[] = aggregateRuns([
      run('ChemProt', 'ModernBERT-base', 2e-5, 42, { eval_weighted_f1: 0.8 }),
      run('ChemProt', 'ModernBERT-base', 2e-5, 43, { eval_weighted_f1: 0.9 }),
      run('ChemProt', 'ModernBERT-base', 5e-5, 42, { eval_weighted_f1: 0.5 }),
      run('ChemProt', 'ModernBERT-base', 5e-5, 43, { eval_weighted_f1: 0.6 }),
      run('DEID', 'ModernBERT-base', 2e-5, 42, { eval_f1: 0.7, eval_weighted_f1: 0.99 }),
      run('ChemProt', 'Bio_ClinicalBERT', 2e-5, 42, { eval_weighted_f1: 0.75 }),
    ]);
    const cells = modelTaskCells(rows);
    const chemprot = cells.find((c) => c.model === 'ModernBERT-base' && c.dataset === 'ChemProt')!;
    expect(chemprot.row.lr).toBe(2e-5);
    expect(chemprot.groups).toBe(2);
    const stats: MetricStats = chemprot.stats;
    expect(stats.mean).toBeCloseTo(0.85, 12);
    expect(stats.std).toBeCloseTo(Math.sqrt(0.005), 12);
    const markdown = modelTaskMarkdown(cells).split('\n');
    expect(markdown[0]).toBe('| model | ChemProt (weighted_f1) | DEID (f1) |');
    expect(markdown[2]).toBe('| Bio_ClinicalBERT | 0.7500 ± n/a (n=1) |  |');
    expect(markdown[3]).toBe('| ModernBERT-base | 0.8500 ± 0.0707 (n=2) | 0.7000 ± n/a (n=1) |');
    expect(markdown.join('\n')).toContain('ModernBERT-base/ChemProt: lr 0.00002, wd 0.01, batch 16');
    const csv = modelTaskCsv(cells).split('\n');
    expect(csv[0]).toBe('Model,Dataset,metric,mean,std,n_seeds,lr,wd,effective_batch_size,groups');
    expect(csv).toContain('ModernBERT-base,DEID,eval_f1,0.7,,1,0.00002,0.01,16,1');
  });
});
