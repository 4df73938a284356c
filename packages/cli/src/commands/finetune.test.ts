import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, randomModel, savePretrained } from '@bcmb/modeling';
import { demoAssets } from '@bcmb/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cliDir = fileURLToPath(new URL('../../', import.meta.url));
const RUN = 'lr=0.002_wd=0.01_epochs=3_seed=7_effective_batch_size=8';

let root: string;
let modelDir: string;
let dataDir: string;

/** `bcmb <args>` from source through tsx, as a separate process. */
function bcmb(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: cliDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BCMB_BACKEND: 'wasm' },
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const trainingFlags = (outputDir: string) => [
  'finetune',
  '--dataset',
  'ChemProt',
  '--model',
  modelDir,
  '--data-dir',
  dataDir,
  '--output-dir',
  outputDir,
  '--lr',
  '2e-3',
  '--seed',
  '7',
  '--batch_size',
  '4',
  '--accumulation_steps',
  '2',
  '--micro_batch_size',
  '2',
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bcmb-cli-finetune-'));
  const assets = demoAssets();
  // A real Hugging Face folder like a pretrained encoder (BertModel, no task head): the demo config with saved
  // random weights, plus its vocabulary.
  await initBackend({ backend: 'cpu', onReport: () => {} });
  modelDir = join(root, 'tiny-bert');
  const model = await randomModel(assets.modelDir, { task: 'base' });
  await savePretrained(model, modelDir);
  model.dispose();
  for (const file of ['vocab.txt', 'tokenizer_config.json']) {
    await copyFile(join(assets.modelDir, file), join(modelDir, file));
  }
  // The first rows of the demo's ChemProt-format splits.
  dataDir = join(root, 'ChemProt');
  await mkdir(dataDir);
  for (const [file, rows] of [
    ['train.tsv', 32],
    ['dev.tsv', 12],
    ['test.tsv', 12],
  ] as const) {
    const lines = (await readFile(join(assets.dataDir, file), 'utf8')).split('\n');
    await writeFile(join(dataDir, file), `${lines.slice(0, rows + 1).join('\n')}\n`);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('issue 17 item 13: bcmb finetune checks its inputs first', () => {
  it('says the data folder is missing before resolving a hub model, with no backend line', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/bin.ts',
        'finetune',
        '--dataset',
        'ChemProt',
        '--model',
        'bcmb-test/never-downloaded',
        '--data-dir',
        join(root, 'no-such-data'),
      ],
      {
        cwd: cliDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        // A hub that cannot be reached: resolving the model first would end in a network error instead.
        env: { ...process.env, HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_CACHE: join(root, 'empty-cache') },
      },
    );
    const run = await finished(child);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^bcmb: dataset folder for ChemProt does not exist: .*no-such-data/),
    ]);
  });

  it('refuses --warmup-ratio outside [0, 1] and a seed numpy would refuse', async () => {
    for (const [flag, value] of [
      ['--warmup-ratio', '2'],
      ['--seed', '4294967296'],
    ]) {
      const run = await finished(bcmb([...trainingFlags(join(root, 'bad-option')), flag!, value!]));
      expect(run.code, `${flag} ${value}`).toBe(1);
      expect(run.stderr, `${flag} ${value}`).toMatch(/error: option .* argument .* is invalid/);
    }
  });

  it('says --output-dir is a file, in one line and without a stack trace', async () => {
    const file = join(root, 'output-is-a-file');
    await writeFile(file, 'x');
    const run = await finished(bcmb(trainingFlags(file)));
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^bcmb: --output-dir is a file, not a folder: .*output-is-a-file\. Pass a folder/,
      ),
    ]);
  });

  it('offers --ignore-mismatched-sizes', async () => {
    const run = await finished(bcmb(['finetune', '--help']));
    expect(run.stdout).toMatch(/--ignore-mismatched-sizes/);
  });
});

describe('issue 13: --engine and --device', () => {
  it('trains on onnx by default and on tfjs when asked, writing the same files and keys', async () => {
    const outputs: Record<string, unknown>[] = [];
    for (const engine of [[], ['--engine', 'tfjs']]) {
      const outputDir = join(root, `engine-${engine.length === 0 ? 'default' : 'tfjs'}`);
      const run = await finished(bcmb([...trainingFlags(outputDir), '--epochs', '1', ...engine]));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`Training engine: ${engine.length === 0 ? 'onnx' : 'tfjs'}`);
      const base = join(outputDir, 'outputs', 'ChemProt', 'tiny-bert', RUN.replace('epochs=3', 'epochs=1'));
      const json = JSON.parse(await readFile(`${base}.json`, 'utf8'));
      outputs.push(json);
    }
    const shape = (json: Record<string, unknown>) => ({
      keys: Object.keys(json),
      test: Object.keys(json['test_results'] as object),
      log: (json['log_history'] as object[]).map((entry) => Object.keys(entry)),
    });
    expect(shape(outputs[0]!)).toEqual(shape(outputs[1]!));
  });

  it('--device cuda without CUDA fails in one line naming what is missing and how to install it', async () => {
    const run = await finished(bcmb([...trainingFlags(join(root, 'cuda')), '--device', 'cuda']));
    expect(run.code).not.toBe(0);
    const errors = run.stderr.split('\n').filter((line) => /CUDA/.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bcmb: /);
    expect(errors[0]).toMatch(/CUDA 12/);
    expect(errors[0]).toMatch(/cuDNN 9/);
    expect(errors[0]).toMatch(/ONNXRUNTIME_NODE_INSTALL_CUDA/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses --device cuda on the tfjs engine', async () => {
    const run = await finished(
      bcmb([...trainingFlags(join(root, 'cuda-tfjs')), '--engine', 'tfjs', '--device', 'cuda']),
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/--device cuda needs the onnx engine/);
  });
});

describe('bcmb finetune (subprocess)', () => {
  it('writes the research log file, its JSON twin and a Hugging Face checkpoint', async () => {
    const run = await finished(bcmb([...trainingFlags(join(root, 'plain')), '--epochs', '3']));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/error/i);
    const base = join(root, 'plain', 'outputs', 'ChemProt', 'tiny-bert', RUN);
    const text = await readFile(`${base}.txt`, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Test evaluation results:');
    expect(lines.slice(1, 9).map((line) => line.split(':')[0])).toEqual([
      'eval_loss',
      'eval_accuracy',
      'eval_weighted_f1',
      'eval_micro_f1',
      'eval_runtime',
      'eval_samples_per_second',
      'eval_steps_per_second',
      'epoch',
    ]);
    expect(lines[8]).toBe('epoch: 3.0');
    expect(lines.slice(9, 12)).toEqual(['', 'Seed: 7', 'Effective batch size: 8']);
    expect(lines[12]).toMatch(/^Best epoch selected: [123]\.0$/);
    expect(lines[13]).toMatch(/^Training duration \(seconds\): \d+\.\d\d$/);
    expect(lines[14]).toMatch(/^Evaluation duration \(seconds\): \d+\.\d\d$/);
    const json = JSON.parse(await readFile(`${base}.json`, 'utf8'));
    expect(json.test_results.eval_accuracy).toBe(Number(lines[2]!.split(': ')[1]));
    expect(json.effective_batch_size).toBe(8);
    // 32 examples / batch 4 = 8 batches, 4 updates per epoch; logged every 10 updates.
    const trainLogs = json.log_history.filter((e: Record<string, number>) => e['loss'] !== undefined);
    expect(trainLogs.map((e: Record<string, number>) => e['step'])).toEqual([10]);
    // Issue 17 item 12: stdout is a pipe here, so the Trainer's log lines are printed as plain lines.
    const logged = run.stdout.split('\n').filter((line) => line.startsWith("{'"));
    expect(logged.filter((line) => line.startsWith("{'loss': "))).toHaveLength(1);
    expect(logged.find((line) => line.startsWith("{'loss': "))).toMatch(
      /^\{'loss': [\d.e-]+, 'grad_norm': [\d.e-]+, 'learning_rate': [\d.e-]+, 'epoch': 2\.5\}$/,
    );
    expect(logged.filter((line) => line.startsWith("{'eval_loss': "))).toHaveLength(3 + 1);
    const checkpoints = await readdir(join(root, 'plain', 'checkpoints', 'ChemProt', 'tiny-bert', RUN));
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    expect(checkpoints.length).toBeLessThanOrEqual(2);
    const files = await readdir(
      join(root, 'plain', 'checkpoints', 'ChemProt', 'tiny-bert', RUN, checkpoints[0]!),
    );
    expect(files).toEqual(
      expect.arrayContaining(['config.json', 'model.safetensors', 'trainer_state.json', 'vocab.txt']),
    );
  });

  it('killed after its first epoch and resumed, ends with the metrics of the uninterrupted run', async () => {
    const outputDir = join(root, 'killed');
    const checkpoints = join(outputDir, 'checkpoints', 'ChemProt', 'tiny-bert', RUN);
    const child = bcmb([...trainingFlags(outputDir), '--epochs', '3']);
    const done = finished(child);
    const firstCheckpoint = join(checkpoints, 'checkpoint-4', 'trainer_state.json');
    while (
      !(await stat(firstCheckpoint).then(
        () => true,
        () => false,
      ))
    ) {
      if (child.exitCode !== null) throw new Error('the run ended before its first checkpoint');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    await done;
    await expect(stat(join(outputDir, 'outputs'))).rejects.toThrow();
    const resumed = await finished(bcmb([...trainingFlags(outputDir), '--epochs', '3', '--resume']));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Resumed from');
    const read = async (dir: string) =>
      JSON.parse(await readFile(join(dir, 'outputs', 'ChemProt', 'tiny-bert', `${RUN}.json`), 'utf8'));
    const [whole, again] = [await read(join(root, 'plain')), await read(outputDir)];
    for (const key of ['eval_loss', 'eval_accuracy', 'eval_weighted_f1', 'eval_micro_f1']) {
      expect(again.test_results[key], key).toBe(whole.test_results[key]);
    }
    expect(again.best_epoch).toBe(whole.best_epoch);
  });

  it.each([
    [
      ['finetune', '--dataset', 'ChemProt', '--model', '.', '--learning-rate', '1'],
      /unknown option '--learning-rate'/,
    ],
    [
      ['finetune', '--dataset', 'ChemProt', '--model', 'MODEL', '--data-dir', 'NOWHERE'],
      /dataset folder for ChemProt does not exist/,
    ],
    [
      ['finetune', '--dataset', 'ChemProt', '--model', 'NO_WEIGHTS', '--data-dir', 'DATA'],
      /model folder has no weights/,
    ],
  ])('fails with one clear line and a non-zero exit: %j', async (args, message) => {
    const noWeights = join(root, 'no-weights');
    await mkdir(noWeights, { recursive: true });
    await copyFile(join(modelDir, 'config.json'), join(noWeights, 'config.json'));
    const concrete = args.map((a) =>
      a === 'MODEL'
        ? modelDir
        : a === 'NO_WEIGHTS'
          ? noWeights
          : a === 'DATA'
            ? dataDir
            : a === 'NOWHERE'
              ? join(root, 'nowhere')
              : a,
    );
    const run = await finished(bcmb([...concrete, '--output-dir', join(root, 'errors')]));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/ at /);
  });
});

describe('bcmb sweep and bcmb aggregate (subprocess)', () => {
  it('runs one finetune per seed, then aggregates them into mean ± std markdown and CSV', async () => {
    const outputDir = join(root, 'sweep');
    const sweepFlags = trainingFlags(outputDir).filter(
      (_, i, all) => all[i] !== '--seed' && all[i - 1] !== '--seed',
    );
    sweepFlags[0] = 'sweep';
    const sweep = await finished(bcmb([...sweepFlags, '--epochs', '1', '--seeds', '1,2', '--parallel', '2']));
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stdout).toMatch(/^\[seed 1\] /m);
    expect(sweep.stdout).toMatch(/^\[seed 2\] /m);
    const outputs = join(outputDir, 'outputs');
    const aggregate = await finished(bcmb(['aggregate', outputs]));
    expect(aggregate.code, aggregate.stderr).toBe(0);
    const row = aggregate.stdout.split('\n').find((line) => line.startsWith('| ChemProt | tiny-bert |'));
    expect(row).toMatch(
      /^\| ChemProt \| tiny-bert \| 0\.002 \| 0\.01 \| 8 \| 1,2 \| \d\.\d{4} ± \d\.\d{4} \|/,
    );
    const csv = await readFile(join(outputs, 'aggregated_results.csv'), 'utf8');
    expect(csv.split('\n')[1]).toMatch(/^ChemProt,tiny-bert,0\.002,0\.01,8,2,/);
  });

  it('sweep checks the dataset folder once, before launching any seed', async () => {
    const run = await finished(
      bcmb([
        'sweep',
        '--dataset',
        'ChemProt',
        '--model',
        modelDir,
        '--data-dir',
        join(root, 'nowhere'),
        '--seeds',
        '1,2',
      ]),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/dataset folder for ChemProt does not exist/);
    expect(run.stderr).not.toMatch(/Launching run/);
  });

  it('aggregate refuses a folder without run logs', async () => {
    const run = await finished(bcmb(['aggregate', join(root, 'nowhere')]));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/results folder does not exist/);
  });
});
