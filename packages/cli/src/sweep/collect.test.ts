import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatResearchLog } from '@bcmb/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCollection, ResultConflictError, type ResultFiles, writeCollection } from './collect.js';
import type { Trial } from './plan.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bcmb-collect-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function trial(name: string): Trial {
  const runName = `lr=2e-05_wd=0.01_epochs=3_seed=${name}_effective_batch_size=16`;
  return {
    index: 0,
    options: {},
    args: [],
    dataset: 'ChemProt',
    model: 'm',
    runName,
    outputBase: join(root, 'outputs', 'ChemProt', 'm', runName),
    checkpointDir: '',
    id: name,
  };
}

/** A trial's two files as finetune writes them, with its own accuracy and run time. */
function files(accuracy: number, runtime = 1.5): ResultFiles {
  const testResults = { eval_loss: 0.5, eval_accuracy: accuracy, eval_runtime: runtime, epoch: 3 };
  const summary = {
    testResults,
    seed: 1,
    effectiveBatchSize: 16,
    bestEpoch: 2,
    trainDurationSeconds: runtime * 10,
    evalDurationSeconds: runtime,
  };
  return {
    txt: formatResearchLog(summary),
    json: JSON.stringify({ test_results: testResults, best_epoch: 2 }),
  };
}

async function place(t: Trial, result: ResultFiles): Promise<void> {
  await mkdir(dirname(t.outputBase), { recursive: true });
  await writeFile(`${t.outputBase}.txt`, result.txt);
  await writeFile(`${t.outputBase}.json`, result.json);
}

describe('bcmb sweep collect', () => {
  it('writes missing results, keeps agreeing ones (timings may differ), counts the rest as missing', async () => {
    const [fresh, here, none] = [trial('1'), trial('2'), trial('3')];
    await place(here, files(0.8, 9.9));
    const plan = await planCollection([
      { trial: fresh, files: files(0.7) },
      { trial: here, files: files(0.8) },
      { trial: none },
    ]);
    expect(plan.write.map((w) => w.trial.id)).toEqual(['1']);
    expect(plan.present.map((t) => t.id)).toEqual(['2']);
    await writeCollection(plan);
    expect(await readFile(`${fresh.outputBase}.txt`, 'utf8')).toBe(files(0.7).txt);
    expect(await readFile(`${here.outputBase}.txt`, 'utf8')).toBe(files(0.8, 9.9).txt);
  });

  it('refuses, writing nothing, when a result on disk and the queued one disagree on a score', async () => {
    const [stale, fresh] = [trial('4'), trial('5')];
    await place(stale, files(0.6));
    const collecting = planCollection([
      { trial: fresh, files: files(0.7) },
      { trial: stale, files: files(0.9) },
    ]);
    await expect(collecting).rejects.toBeInstanceOf(ResultConflictError);
    await expect(collecting).rejects.toThrow(/seed=4.*differ on eval_accuracy \(0\.9 vs 0\.6\)/);
    await expect(readFile(`${fresh.outputBase}.txt`, 'utf8')).rejects.toThrow();
  });

  it('refuses a trial whose .txt and .json disagree with each other', async () => {
    const mixed = trial('6');
    await place(mixed, { txt: files(0.6).txt, json: files(0.61).json });
    await expect(planCollection([{ trial: mixed }])).rejects.toThrow(
      /\.txt and .*\.json differ on eval_accuracy/,
    );
  });
});
