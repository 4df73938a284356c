import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
/** config.json of a 2-layer, 64-wide BERT: random weights, fast enough for a test. */
const TINY_BERT = fileURLToPath(new URL('../fixtures/tiny-bert', import.meta.url));

function bcmb(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', TSX, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, HF_HUB_OFFLINE: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'bcmb-cli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('output into a pipe closed early', () => {
  it('`bcmb sweep plan … | head -1` exits 0 without an EPIPE stack trace', async () => {
    const file = join(scratch, 'many.yaml');
    const seeds = Array.from({ length: 3000 }, (_, i) => i).join(', ');
    await writeFile(file, `defaults: {model: m, dataset: ChemProt}\ngrid:\n  seed: [${seeds}]\n`);
    const child = spawn(process.execPath, ['--import', TSX, BIN, 'sweep', 'plan', file, '--commands'], {
      env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Like `head -1`: read the first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|unexpected error/);
    expect(code).toBe(0);
  });
});

describe('bcmb --version', () => {
  it('prints the version of @bcmb/cli (issue 17 item 14)', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const run = bcmb(flag);
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe(manifest.version);
    }
  });
});

describe('bcmb --help', () => {
  it('lists the speed command, and speed --help lists its options', () => {
    const root = bcmb('--help');
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/speed \[options\]/);
    const speed = bcmb('speed', '--help');
    expect(speed.code).toBe(0);
    for (const option of [
      '--model',
      '--engine',
      '--datasets',
      '--samples',
      '--iters',
      '--batch-size',
      '--output-dir',
    ]) {
      expect(speed.stdout).toContain(option);
    }
  });
});

describe('bcmb speed on bad input: one clear line and a non-zero exit', () => {
  it.each([
    [['-m', 'TINY', '-d', 'fixed_huge'], /^bcmb: Unknown dataset "fixed_huge"\. Choose from fixed_short, /],
    [['-m', 'SCRATCH'], /^bcmb: Cannot load model .*: no config\.json\./],
    [
      ['-m', 'TINY', '--engine', 'tfjs-node'],
      /^bcmb: Engine tfjs-node is not available: @tensorflow\/tfjs-node is not installed/,
    ],
    [
      ['-m', 'TINY', '--engine', 'tensorrt'],
      /^bcmb: Unknown engine "tensorrt"\. Choose from all, tfjs, .*onnx/,
    ],
    [['-m', 'TINY', '--samples', '0'], /argument '0' is invalid\. Expected a whole number of at least 1\./],
    [[], /required option '-m, --model <dir\|hub id>' not specified/],
  ])('bcmb speed %j', (args, message) => {
    const resolved = args.map((arg) => (arg === 'TINY' ? TINY_BERT : arg === 'SCRATCH' ? scratch : arg));
    const { code, stderr } = bcmb('speed', ...resolved);
    expect(code).not.toBe(0);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});

describe('bcmb speed on a config-only model', () => {
  it('writes the research JSON, markdown and SVG, labelled as random weights', async () => {
    const out = join(scratch, 'results');
    const run = bcmb(
      'speed',
      '-m',
      TINY_BERT,
      '-e',
      'tfjs-wasm',
      '-d',
      'variable_short',
      '--samples',
      '4',
      '--iters',
      '2',
      '--batch-size',
      '2',
      '--no-progress',
      '-o',
      out,
    );
    expect(run.stderr).not.toMatch(/^bcmb:/m);
    expect(run.code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'tiny-bert_tfjs-wasm_inference_times.json'), 'utf8'));
    expect(json.variable_short).toMatchObject({ max_batch_size: 2, n_iters: 2, num_samples: 4 });
    expect(Object.keys(json.variable_short)).toEqual(expect.arrayContaining(['mean', 'std', 'ktok_per_sec']));
    expect(run.stdout).toContain('| tiny-bert | tfjs-wasm | random | variable_short | 2 (given) |');
    expect(await readFile(join(out, 'speed-report.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('issue 17 item 10: bcmb speed --quick, an estimate first, results kept on Ctrl-C', () => {
  it('--quick runs the short research sets on a small sample, after printing the estimated time', async () => {
    const out = join(scratch, 'quick');
    const run = bcmb('speed', '-m', TINY_BERT, '-e', 'tfjs-wasm', '--quick', '--no-progress', '-o', out);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^Estimated time: about \d+[hms]/m);
    expect(run.stderr).not.toMatch(/full workload/);
    const json = JSON.parse(await readFile(join(out, 'tiny-bert_tfjs-wasm_inference_times.json'), 'utf8'));
    expect(Object.keys(json).sort()).toEqual(['fixed_short', 'variable_short']);
    expect(json.fixed_short).toMatchObject({ max_batch_size: 4, n_iters: 2, num_samples: 8 });
  });

  /** `bcmb speed …` as a child process, with its stderr collected and a way to wait for a line. */
  function speedChild(args: string[]) {
    const child = spawn(process.execPath, ['--import', TSX, BIN, 'speed', ...args], {
      env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, HF_HUB_OFFLINE: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (done: () => Promise<boolean> | boolean) => {
      for (let waited = 0; waited < 240_000 && !(await done()); waited += 250) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    return { child, exited, stderr: () => stderr, until };
  }
  const MODERNBERT_BASE = fileURLToPath(new URL('../../modeling/configs/modernbert-base', import.meta.url));

  it('warns before the full research workload, and Ctrl-C then says nothing was written', async () => {
    const run = speedChild(['-m', MODERNBERT_BASE, '-e', 'tfjs-wasm', '-o', join(scratch, 'full')]);
    await run.until(() => /Estimated time/.test(run.stderr()));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toMatch(/^Estimated time: about \d+h/m);
    expect(run.stderr()).toMatch(
      /This is the research's full workload \(4096 samples × 10 passes per set\).*--quick/,
    );
    expect(run.stderr()).toMatch(/Interrupted \(SIGINT\) before any model × engine finished/);
  }, 300_000);

  it('on Ctrl-C keeps the results of the model × engine runs that finished', async () => {
    const out = join(scratch, 'interrupted');
    const first = join(out, 'tiny-bert_tfjs-wasm_inference_times.json');
    const run = speedChild([
      ...['-m', TINY_BERT, '-m', MODERNBERT_BASE, '-e', 'tfjs-wasm', '-d', 'fixed_short'],
      ...['--samples', '64', '--iters', '1', '--batch-size', '4', '--no-progress', '-o', out],
    ]);
    // The tiny model finishes in seconds; ModernBERT-base's 64 samples of 512 tokens take minutes on wasm.
    await run.until(async () => (await readdir(out).catch(() => [] as string[])).includes(basename(first)));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toMatch(/Interrupted \(SIGINT\): the 1 finished model × engine run\(s\) are in/);
    expect(JSON.parse(await readFile(first, 'utf8')).fixed_short.num_samples).toBe(64);
    expect(await readFile(join(out, 'speed-report.md'), 'utf8')).toContain('| tiny-bert | tfjs-wasm |');
  }, 300_000);
});
