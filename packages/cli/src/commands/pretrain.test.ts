import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MdsDataset, type NdArray } from '@bcmb/mds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TINY_IDS,
  TINY_MODEL,
  writeSyntheticSplits,
  writeTinyConfig,
} from '../../../pretraining/src/test-run-support.js';

const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
const MODERNBERT_TOKENIZER = fileURLToPath(
  new URL('../../../tokenizer/fixtures/modernbert', import.meta.url),
);
const ENV = { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, HF_HUB_OFFLINE: '1' };

function bcmb(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', TSX, BIN, ...args], { encoding: 'utf8', env: ENV });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'bcmb-cli-pretrain-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('bcmb pretrain prepare', () => {
  it('tokenizes a notes CSV with the ModernBERT tokenizer into readable MDS shards and appends the token-count line', async () => {
    const csv = join(scratch, 'tiny_notes.csv');
    await writeFile(
      csv,
      'note_id,notes\n1,"Patient denies chest pain, SOB."\n2,\n3,"Hx of HTN; on lisinopril 10 mg daily."\n',
    );
    const counts = join(scratch, 'counts.txt');
    const result = bcmb(
      'pretrain',
      'prepare',
      '--dataset',
      csv,
      '--out-dir',
      join(scratch, 'mds'),
      '--tokenizer',
      MODERNBERT_TOKENIZER,
      '--out-token-counts',
      counts,
      '--concat-tokens',
      '8',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Processing csv: .*tiny_notes\.csv/);
    const dataset = await MdsDataset.open(join(scratch, 'mds', 'tiny'));
    const samples: number[][] = [];
    for await (const sample of dataset.samples())
      samples.push(Array.from((sample.input_ids as NdArray).data as Uint16Array));
    expect(samples.length).toBeGreaterThan(2);
    for (const sample of samples) {
      expect(sample[0]).toBe(50281);
      expect(sample[sample.length - 1]).toBe(50282);
    }
    const tokens = samples.reduce((n, s) => n + s.length, 0);
    expect(await readFile(counts, 'utf8')).toBe(`${csv} ${tokens.toLocaleString('en-US')}\n`);
  });
});

describe('bcmb pretrain', () => {
  it('refuses an unknown training key with its path and exit code 1', async () => {
    const config = join(scratch, 'bad.yaml');
    await writeTinyConfig(config, join(scratch, 'data'), join(scratch, 'bad'), 'optimizer_clip: 1.0\n');
    const refused = bcmb('pretrain', '--config', config, '--model', TINY_MODEL);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/optimizer_clip: unknown key/);
  });

  it.each([
    ['tfjs', ['--engine', 'tfjs', '--backend', 'wasm']],
    ['onnx', ['--engine', 'onnx']],
  ])(
    'killed with SIGKILL after its batch-4 checkpoint and resumed, ends with the loss curve of an uninterrupted run (%s engine)',
    async (engine, engineArgs) => {
      const data = join(scratch, `data-${engine}`);
      await writeSyntheticSplits(data, 80, 16);
      const args = (run: string) => {
        const name = `${engine}-${run}`;
        const config = join(scratch, `${name}.yaml`);
        return [
          config,
          [
            'pretrain',
            '--config',
            config,
            '--model',
            TINY_MODEL,
            '--mask-token-id',
            String(TINY_IDS.mask),
            ...engineArgs,
            '--no-progress',
            '--set',
            'max_duration=8ba',
            '--set',
            'eval_interval=4ba',
          ],
        ] as const;
      };
      const [fullConfig, fullArgs] = args('full');
      await writeTinyConfig(fullConfig, data, join(scratch, `${engine}-full`));
      const full = bcmb(...fullArgs);
      expect(full.code, full.stderr).toBe(0);
      expect(full.stderr).toContain(
        `engine: ${engine === 'onnx' ? 'onnxruntime' : 'tfjs'} (--engine ${engine})`,
      );

      const [killedConfig, killedArgs] = args('killed');
      await writeTinyConfig(killedConfig, data, join(scratch, `${engine}-killed`));
      const child: ChildProcess = spawn(process.execPath, ['--import', TSX, BIN, ...killedArgs], {
        env: ENV,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          // Kill as soon as the batch-4 checkpoint is announced, mid-run.
          if (/checkpoint .*ep0-ba4/.test(output) && child.exitCode === null) child.kill('SIGKILL');
        });
        child.on('exit', (_code, signal) =>
          signal === 'SIGKILL' ? resolve() : reject(new Error(`not killed: ${output}`)),
        );
      });
      expect(await readdir(join(scratch, `${engine}-killed`, 'tiny_run'))).toContain('ep0-ba4');
      const resumed = bcmb(...killedArgs, '--resume');
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(/Resuming from .*ep0-ba(4|8)/);
      const curve = async (name: string) =>
        (await readFile(join(scratch, name, 'tiny_run', 'metrics.jsonl'), 'utf8')).trim().split('\n');
      const fullCurve = await curve(`${engine}-full`);
      expect(fullCurve.filter((line) => line.includes('"train"')).length).toBe(8);
      expect(await curve(`${engine}-killed`)).toEqual(fullCurve);
    },
  );
});
