import { describe, expect, it } from 'vitest';
import { planSweep, shellLine } from './plan.js';
import { parseSweep, SweepFileError } from './sweep-file.js';

const plan = (yaml: string) => planSweep(parseSweep(yaml, 'sweep.yaml'));

describe('sweep files', () => {
  it('expands a grid in file order (first key slowest) over the defaults, then appends the listed trials', () => {
    const { trials, name } = plan(`
defaults: {model: answerdotai/ModernBERT-base, epochs: 1}
grid:
  dataset: [ChemProt, DEID]
  seed: [42, 43]
trials:
  - {dataset: COS, model: emilyalsentzer/Bio_ClinicalBERT, seed: 7, lr: 5e-5}
`);
    expect(name).toBe('sweep');
    expect(trials.map((t) => [t.index, t.dataset, t.model, t.runName])).toEqual([
      [0, 'ChemProt', 'ModernBERT-base', 'lr=2e-05_wd=0.01_epochs=1_seed=42_effective_batch_size=16'],
      [1, 'ChemProt', 'ModernBERT-base', 'lr=2e-05_wd=0.01_epochs=1_seed=43_effective_batch_size=16'],
      [2, 'DEID', 'ModernBERT-base', 'lr=2e-05_wd=0.01_epochs=1_seed=42_effective_batch_size=16'],
      [3, 'DEID', 'ModernBERT-base', 'lr=2e-05_wd=0.01_epochs=1_seed=43_effective_batch_size=16'],
      [4, 'COS', 'Bio_ClinicalBERT', 'lr=5e-05_wd=0.01_epochs=1_seed=7_effective_batch_size=16'],
    ]);
    expect(trials[4]!.args).toEqual([
      'finetune',
      '--dataset',
      'COS',
      '--model',
      'emilyalsentzer/Bio_ClinicalBERT',
      '--epochs',
      '1',
      '--seed',
      '7',
      '--lr',
      '0.00005',
    ]);
    expect(trials[0]!.outputBase).toBe(
      'outputs/ChemProt/ModernBERT-base/lr=2e-05_wd=0.01_epochs=1_seed=42_effective_batch_size=16',
    );
  });

  it('passes any finetune option through, underscore spellings dashed, true as a bare flag, --resume left to the runner', () => {
    const [trial] = plan(`
trials:
  - {dataset: ChemProt, model: m, batch_size: 8, accumulation_steps: 2, offline: true, resume: true, output_dir: "runs/{dataset}"}
`).trials;
    expect(trial!.args.slice(5)).toEqual([
      '--batch-size',
      '8',
      '--accumulation-steps',
      '2',
      '--offline',
      '--output-dir',
      'runs/ChemProt',
    ]);
    expect(trial!.runName).toBe('lr=2e-05_wd=0.01_epochs=3_seed=42_effective_batch_size=16');
    expect(trial!.checkpointDir).toBe(
      'runs/ChemProt/checkpoints/ChemProt/m/lr=2e-05_wd=0.01_epochs=3_seed=42_effective_batch_size=16',
    );
  });

  it('gives a trial the same job id whatever the key order or spelling, and drops duplicate trials', () => {
    const a = plan('trials: [{dataset: ChemProt, model: m, seed: 1, batch_size: 8}]').trials[0]!;
    const b = plan('trials: [{batch-size: 8, seed: 1, model: m, dataset: ChemProt}]').trials[0]!;
    const c = plan('trials: [{dataset: ChemProt, model: m, seed: 2, batch_size: 8}]').trials[0]!;
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
    expect(plan('grid: {dataset: [ChemProt, ChemProt], model: [m]}').trials).toHaveLength(1);
  });

  it.each([
    [
      'grid: {dataset: [ChemProt], model: [m], learning_rate: [1]}',
      /"learning-rate" is not a bcmb finetune option/,
    ],
    ['trials: [{dataset: ChemProt}]', /a trial has no model/],
    ['trials: [{dataset: Nope, model: m}]', /Nope/],
    ['trials: [{dataset: ChemProt, model: m, data_dir: "raw/{task}"}]', /refers to \{task\}/],
    ['trials: [{dataset: ChemProt, model: m, lr: fast}]', /lr must be a number/],
    ['defaults: {seed: [1, 2]}\ntrials: [{dataset: ChemProt, model: m}]', /defaults.seed must be a string/],
    ['seeds: [1]', /unknown top-level key "seeds"/],
    ['grid: {dataset: [ChemProt}', /not valid YAML/],
    ['name: empty', /no trials/],
    [
      'grid: {dataset: [ChemProt], model: [m], max_length: [128, 256]}',
      /trials 0 and 1 would write the same result files/,
    ],
  ])('refuses %j with a clear message', (yaml, message) => {
    expect(() => plan(yaml)).toThrow(message);
    try {
      plan(yaml);
    } catch (error) {
      if (!/Nope/.test(yaml)) expect(error).toBeInstanceOf(SweepFileError);
    }
  });

  it('quotes command-line arguments only when the shell needs it', () => {
    expect(shellLine(['finetune', '--model', 'org/name', '--data-dir', "my data's"])).toBe(
      `finetune --model org/name --data-dir 'my data'\\''s'`,
    );
  });
});
