import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initBackend, randomModel, savePretrained } from '@bcmb/modeling';
import { demoAssets } from '@bcmb/trainer';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { planSweep } from './plan.js';
import { enqueuePlan, type TrialJobData, type TrialJobResult, type TrialProgress } from './queue.js';
import { readSweepFile } from './sweep-file.js';
import { TestRedis } from './test-redis.js';

// Integration tests: a real redis-server, real `bcmb worker` processes, real `bcmb finetune` trials on a tiny
// random BERT with a few dozen examples (a trial is mostly process start-up).

const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
const COS_FIXTURE = fileURLToPath(new URL('../../../datasets/fixtures/datasets/COS/raw', import.meta.url));

let root: string;
let redis: TestRedis;
let modelDir: string;
const started: ChildProcess[] = [];

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `bcmb <args>` from source in `cwd`, as its own process. */
function bcmb(
  args: string[],
  cwd = root,
): { child: ChildProcess; done: Promise<Finished>; output: () => string } {
  const child = spawn(process.execPath, ['--import', TSX, BIN, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, BCMB_BACKEND: 'wasm', HF_HUB_OFFLINE: '1' },
  });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, output: () => stdout + stderr };
}

async function run(args: string[], cwd = root): Promise<Finished> {
  const result = await bcmb(args, cwd).done;
  expect(result.code, `bcmb ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

function startWorker(queueName: string, extra: string[] = [], cwd = root) {
  return bcmb(['worker', '--queue', redis.url, '--queue-name', queueName, ...extra], cwd);
}

async function stopWorkers(workers: ReturnType<typeof startWorker>[]): Promise<void> {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.done));
}

/** Polls `check` until it returns a value; the limit only keeps a broken run from hanging the suite. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, limitMs = 150_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function withTestQueue<T>(
  name: string,
  action: (queue: Queue<TrialJobData, TrialJobResult>) => Promise<T>,
): Promise<T> {
  const queue = new Queue<TrialJobData, TrialJobResult>(name, { connection: { url: redis.url } });
  try {
    return await action(queue);
  } finally {
    await queue.close();
  }
}

async function allJobs(queue: Queue<TrialJobData, TrialJobResult>) {
  return queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'paused']);
}

/** The numbers of a result that must not depend on where or how often the trial ran (no timings). */
async function scores(jsonFile: string): Promise<Record<string, unknown>> {
  const json = JSON.parse(await readFile(jsonFile, 'utf8'));
  const test = Object.entries(json.test_results as Record<string, number>).filter(
    ([key]) => !/_(runtime|per_second)$/.test(key),
  );
  return { test: Object.fromEntries(test), bestEpoch: json.best_epoch };
}

/** The research .txt without its two duration lines. */
async function researchLog(txtFile: string): Promise<string> {
  return (await readFile(txtFile, 'utf8'))
    .split('\n')
    .filter((line) => !/duration \(seconds\)|_runtime:|_per_second:/.test(line))
    .join('\n');
}

async function writeSweep(name: string, sweep: Record<string, unknown>): Promise<string> {
  const file = join(root, `${name}.yaml`);
  await writeFile(file, stringify(sweep));
  return file;
}

const RUN_OPTIONS = { epochs: 1, batch_size: 8, lr: 2e-3 };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bcmb-sweep-queue-'));
  await mkdir(join(root, 'redis'));
  redis = await TestRedis.start(join(root, 'redis'));
  // A Hugging Face folder like a pretrained encoder: the demo config with saved random weights and its vocabulary.
  const assets = demoAssets();
  await initBackend({ backend: 'cpu', onReport: () => {} });
  modelDir = join(root, 'tiny-bert');
  const model = await randomModel(assets.modelDir, { task: 'base' });
  await savePretrained(model, modelDir);
  model.dispose();
  for (const file of ['vocab.txt', 'tokenizer_config.json']) {
    await copyFile(join(assets.modelDir, file), join(modelDir, file));
  }
  // Two tasks: the first rows of the demo's ChemProt splits, and the COS fixture notes.
  await mkdir(join(root, 'data', 'ChemProt'), { recursive: true });
  for (const [file, rows] of [
    ['train.tsv', 32],
    ['dev.tsv', 12],
    ['test.tsv', 12],
  ] as const) {
    const lines = (await readFile(join(assets.dataDir, file), 'utf8')).split('\n');
    await writeFile(join(root, 'data', 'ChemProt', file), `${lines.slice(0, rows + 1).join('\n')}\n`);
  }
  await cp(COS_FIXTURE, join(root, 'data', 'COS'), { recursive: true });
  // The whole demo ChemProt sample: epochs long enough to kill a worker in the middle of one.
  await cp(assets.dataDir, join(root, 'data', 'ChemProt-full'), { recursive: true });
});

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  await redis?.stopProcess();
  await rm(root, { recursive: true, force: true });
});

describe('bcmb sweep with a Redis queue and bcmb worker (real redis-server)', () => {
  it('runs a 2-task × 3-seed grid with two workers on separate disks into the same results as the local sweep; enqueuing twice adds nothing', async () => {
    const grid = {
      defaults: {
        model: modelDir,
        data_dir: join(root, 'data', '{dataset}'),
        output_dir: 'runs',
        ...RUN_OPTIONS,
      },
      grid: { dataset: ['ChemProt', 'COS'], seed: [1, 2, 3] },
    };
    const file = await writeSweep('grid', { name: 'grid', ...grid });
    for (const dir of ['local', 'submit', 'worker-a', 'worker-b']) await mkdir(join(root, dir));

    // Two "machines" that share no disk: each worker resolves output_dir: runs in its own folder.
    const workers = [
      startWorker('grid', ['--dir', join(root, 'worker-a')]),
      startWorker('grid', ['--dir', join(root, 'worker-b')]),
    ];
    const local = run(['sweep', 'run', file, '--parallel', '1'], join(root, 'local'));
    const enqueue = await run(
      ['sweep', 'run', file, '--queue', redis.url, '--queue-name', 'grid'],
      join(root, 'submit'),
    );
    expect(enqueue.stdout).toContain('6 job(s) added');
    const again = await run(
      ['sweep', 'run', file, '--queue', redis.url, '--queue-name', 'grid'],
      join(root, 'submit'),
    );
    expect(again.stdout).toContain('0 job(s) added to grid, 6 already queued');
    expect(await withTestQueue('grid', async (queue) => (await allJobs(queue)).length)).toBe(6);

    const jobs = await withTestQueue('grid', (queue) =>
      waitFor('6 completed jobs', async () => {
        const counts = await queue.getJobCounts('completed', 'failed');
        expect(counts['failed']).toBe(0);
        return counts['completed'] === 6 ? await queue.getJobs(['completed']) : undefined;
      }),
    );
    await stopWorkers(workers);
    await local;
    expect(new Set(jobs.map((job) => job.returnvalue.worker)).size).toBe(2);

    const status = await run(
      ['sweep', 'status', file, '--queue', redis.url, '--queue-name', 'grid'],
      join(root, 'submit'),
    );
    expect(status.stdout.trim().split('\n').at(-1)).toBe('6 done');
    const plan = planSweep(await readSweepFile(file));
    const third = await withTestQueue('grid', (queue) =>
      enqueuePlan(queue, plan, { retries: 0, backoffSeconds: 0 }),
    );
    expect(third.added).toEqual([]);
    expect(third.existing.map((e) => e.state)).toEqual(Array(6).fill('completed'));

    // Results come back through Redis into the submitting machine's folder.
    const collected = await run(
      ['sweep', 'collect', file, '--queue', redis.url, '--queue-name', 'grid'],
      join(root, 'submit'),
    );
    expect(collected.stdout).toContain('Collected 6 of 6 trials (6 written');
    for (const { outputBase } of plan.trials) {
      const path = join(root, 'submit', outputBase);
      const reference = join(root, 'local', outputBase);
      expect(await scores(`${path}.json`)).toEqual(await scores(`${reference}.json`));
      expect(await researchLog(`${path}.txt`)).toBe(await researchLog(`${reference}.txt`));
    }
  });
  it('hands the trial of a SIGKILLed worker to the other worker, which resumes from the checkpoint and ends with the uninterrupted metrics', async () => {
    const trial = {
      model: modelDir,
      dataset: 'ChemProt',
      data_dir: join(root, 'data', 'ChemProt-full'),
      epochs: 2,
      batch_size: 16,
      lr: 2e-3,
      seed: 5,
    };
    const reference = await writeSweep('kill-reference', {
      trials: [{ ...trial, output_dir: join(root, 'kill-ref') }],
    });
    const referenceRun = run(['sweep', 'run', reference]);
    const file = await writeSweep('kill', { trials: [{ ...trial, output_dir: join(root, 'kill') }] });
    const workers = [
      startWorker('kill', ['--lock-seconds', '3']),
      startWorker('kill', ['--lock-seconds', '3']),
    ];
    await run(['sweep', 'run', file, '--queue', redis.url, '--queue-name', 'kill']);
    const checkpoint = join(
      root,
      'kill',
      'checkpoints',
      'ChemProt',
      'tiny-bert',
      'lr=0.002_wd=0.01_epochs=2_seed=5_effective_batch_size=16',
      'checkpoint-23',
      'trainer_state.json',
    );
    const result = await withTestQueue('kill', async (queue) => {
      const [job] = await allJobs(queue);
      const owner = await waitFor('the first epoch checkpoint', async () => {
        const progress = (await queue.getJob(job!.id!))?.progress as TrialProgress | undefined;
        const exists = await stat(checkpoint).then(
          () => true,
          () => false,
        );
        return exists && progress?.worker ? progress.worker : undefined;
      });
      const victim = workers.find((worker) => owner.endsWith(`:${worker.child.pid}`))!;
      expect(victim).toBeDefined();
      victim.child.kill('SIGKILL');
      return waitFor('the job to complete', async () => {
        const current = await queue.getJob(job!.id!);
        expect(await current!.getState()).not.toBe('failed');
        return (await current!.getState()) === 'completed'
          ? { owner, value: current!.returnvalue }
          : undefined;
      });
    });
    await stopWorkers(workers);
    await referenceRun;
    expect(result.value.worker).not.toBe(result.owner);
    expect(result.value.resumedFrom).toMatch(/checkpoint-23$/);
    const path = join(
      'outputs',
      'ChemProt',
      'tiny-bert',
      'lr=0.002_wd=0.01_epochs=2_seed=5_effective_batch_size=16.json',
    );
    expect(await scores(join(root, 'kill', path))).toEqual(await scores(join(root, 'kill-ref', path)));
  });

  it('completes a sweep when Redis restarts in the middle of it (workers reconnect)', async () => {
    const file = await writeSweep('restart', {
      defaults: {
        model: modelDir,
        dataset: 'ChemProt',
        data_dir: join(root, 'data', 'ChemProt'),
        output_dir: join(root, 'restart'),
        ...RUN_OPTIONS,
      },
      grid: { seed: [11, 12, 13] },
    });
    const workers = [
      startWorker('restart', ['--lock-seconds', '10']),
      startWorker('restart', ['--lock-seconds', '10']),
    ];
    await run(['sweep', 'run', file, '--queue', redis.url, '--queue-name', 'restart']);
    await withTestQueue('restart', (queue) =>
      waitFor('a running trial', async () =>
        (await queue.getJobCounts('active'))['active']! > 0 ? true : undefined,
      ),
    );
    await redis.stopProcess();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await redis.startProcess();
    await withTestQueue('restart', (queue) =>
      waitFor('3 completed jobs', async () =>
        (await queue.getJobCounts('completed'))['completed'] === 3 ? true : undefined,
      ),
    );
    await stopWorkers(workers);
    expect(workers.map((worker) => worker.output()).join('\n')).toMatch(/worker: .*\(retrying\)/);
    const collected = await run(['sweep', 'collect', file, '--queue', redis.url, '--queue-name', 'restart']);
    expect(collected.stdout).toContain('Collected 3 of 3 trials (0 written, 3 already here and consistent)');
  });

  it('fails a trial with a bad option once per attempt, then marks it failed with its error', async () => {
    const file = await writeSweep('bad', {
      trials: [
        {
          model: modelDir,
          dataset: 'ChemProt',
          data_dir: join(root, 'data', 'ChemProt'),
          output_dir: join(root, 'bad'),
          epochs: 0,
        },
      ],
    });
    const worker = startWorker('bad');
    await run([
      'sweep',
      'run',
      file,
      '--queue',
      redis.url,
      '--queue-name',
      'bad',
      '--retries',
      '2',
      '--backoff',
      '0',
    ]);
    const job = await withTestQueue('bad', async (queue) => {
      const [queued] = await allJobs(queue);
      return waitFor('the job to fail', async () => {
        const current = await queue.getJob(queued!.id!);
        return (await current!.getState()) === 'failed' ? current : undefined;
      });
    });
    await stopWorkers([worker]);
    expect(job!.attemptsMade).toBe(3);
    expect(job!.failedReason).toMatch(/option '--epochs <n>' argument '0' is invalid/);
    const failures = worker.output().match(/failed \(attempt \d of 3\)/g);
    expect(failures).toEqual([
      'failed (attempt 1 of 3)',
      'failed (attempt 2 of 3)',
      'failed (attempt 3 of 3)',
    ]);
    const status = await run(['sweep', 'status', file, '--queue', redis.url, '--queue-name', 'bad']);
    expect(status.stdout).toMatch(
      /failed\s+after 3 attempt\(s\): error: option '--epochs <n>' argument '0' is invalid/,
    );
  });
});
