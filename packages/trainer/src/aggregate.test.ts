import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  aggregateCsv,
  aggregateMarkdown,
  aggregateRuns,
  collectRuns,
  parseResearchLog,
} from './aggregate.js';
import { formatResearchLog } from './finetune.js';

const root = await mkdtemp(join(tmpdir(), 'bcmb-aggregate-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function writeRun(model: string, seed: number, accuracy: number): Promise<void> {
  const dir = join(root, 'ChemProt', model);
  await mkdir(dir, { recursive: true });
  const text = formatResearchLog({
    testResults: { eval_loss: 0.5, eval_accuracy: accuracy, eval_runtime: 1.5, epoch: 3 },
    seed,
    effectiveBatchSize: 16,
    bestEpoch: 2,
    trainDurationSeconds: 10,
    evalDurationSeconds: 1,
  });
  await writeFile(join(dir, `lr=2e-05_wd=0.01_epochs=3_seed=${seed}_effective_batch_size=16.txt`), text);
}

describe('aggregate', () => {
  it('parses the numeric key: value lines of a research log', () => {
    expect(
      parseResearchLog(
        'Test evaluation results:\neval_accuracy: 0.5\n\nSeed: 42\nBest epoch selected: 2.0\n',
      ),
    ).toEqual({
      eval_accuracy: 0.5,
      Seed: 42,
      'Best epoch selected': 2,
    });
  });

  it('groups seeds of one model and hyper-parameters into mean ± sample std, in markdown and CSV', async () => {
    await writeRun('ModernBERT-base', 42, 0.8);
    await writeRun('ModernBERT-base', 43, 0.9);
    await writeRun('ModernBERT-base', 44, 1.0);
    await writeRun('Bio_ClinicalBERT', 42, 0.7);
    await writeFile(join(root, 'notes.txt'), 'not a run');
    const rows = aggregateRuns(await collectRuns(root));
    expect(rows.map((r) => [r.model, r.seeds])).toEqual([
      ['Bio_ClinicalBERT', [42]],
      ['ModernBERT-base', [42, 43, 44]],
    ]);
    const modern = rows[1]!.stats['eval_accuracy']!;
    expect(modern.mean).toBeCloseTo(0.9, 12);
    expect(modern.std).toBeCloseTo(0.1, 12);
    expect(rows[1]!.stats['Seed']).toBeUndefined();
    const markdown = aggregateMarkdown(rows);
    expect(markdown).toContain(
      '| ChemProt | ModernBERT-base | 0.00002 | 0.01 | 16 | 42,43,44 | 0.5000 ± 0.0000 | 0.9000 ± 0.1000 |',
    );
    expect(markdown).toContain('0.7000 ± n/a');
    const csv = aggregateCsv(rows).split('\n');
    expect(csv[0]).toContain('eval_accuracy_mean,eval_accuracy_std,eval_accuracy_median');
    expect(csv[1]!.startsWith('ChemProt,Bio_ClinicalBERT,0.00002,0.01,16,1,')).toBe(true);
  });
});
