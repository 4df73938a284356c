import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
