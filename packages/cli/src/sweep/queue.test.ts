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

const QUEUE = 'trials';
/** Short locks, so a killed worker's trial changes hands within seconds. */
const LOCK_SECONDS = 3;
let workers: ReturnType<typeof bcmb>[] = [];

function startWorker(extra: string[]) {
  return bcmb(['worker', '--queue', redis.url, '--queue-name', QUEUE, ...extra]);
}

function workerOutput(): string {
  return workers.map((worker) => worker.output()).join('\n');
}

/** `bcmb sweep run <file> --queue` in this process (the CLI path itself is run in the grid test). */
async function enqueue(file: string, options = { retries: 2, backoffSeconds: 0 }) {
  const plan = planSweep(await readSweepFile(file));
  return { plan, summary: await withTestQueue(QUEUE, (queue) => enqueuePlan(queue, plan, options)) };
}

/** Polls `check` until it returns a value; the limit only keeps a broken run from hanging the suite. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { limitMs = 420_000, everyMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
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
  // A larger ChemProt sample: epochs long enough to kill a worker between two checkpoints.
  await mkdir(join(root, 'data', 'ChemProt-kill'));
  for (const [file, rows] of [
    ['train.tsv', 120],
    ['dev.tsv', 24],
    ['test.tsv', 24],
  ] as const) {
    const lines = (await readFile(join(assets.dataDir, file), 'utf8')).split('\n');
    await writeFile(join(root, 'data', 'ChemProt-kill', file), `${lines.slice(0, rows + 1).join('\n')}\n`);
  }
  // Two workers for the whole suite, on "machines" that share no disk: each resolves relative paths in its own folder.
  await mkdir(join(root, 'worker-a'));
  await mkdir(join(root, 'worker-b'));
  workers = [
    startWorker(['--dir', join(root, 'worker-a'), '--lock-seconds', String(LOCK_SECONDS)]),
    startWorker(['--dir', join(root, 'worker-b'), '--lock-seconds', String(LOCK_SECONDS)]),
  ];
});

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.done));
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  await redis?.stopProcess();
  await rm(root, { recursive: true, force: true });
});

/** Only a guard against a hung run: on a loaded 2-core machine the grid alone has taken 4 minutes. */
const SUITE_TIMEOUT = { timeout: 480_000 };

/** A queued job and its state, once `done` accepts the state. */
async function jobWhen(id: string, done: (state: string) => boolean) {
  return withTestQueue(QUEUE, (queue) =>
    waitFor(`job ${id}`, async () => {
      // State first, then the job: a job fetched before it completed has no return value yet.
      const state = await queue.getJobState(id);
      const job = done(state) ? await queue.getJob(id) : undefined;
      return job ? { job, state } : undefined;
    }),
  );
}

describe('bcmb sweep with a Redis queue and bcmb worker (real redis-server)', () => {
  it(
    'runs a 2-task × 3-seed grid with two workers on separate disks into the same results as the local sweep; enqueuing twice adds nothing',
    SUITE_TIMEOUT,
    async () => {
      const file = await writeSweep('grid', {
        name: 'grid',
        defaults: {
          model: modelDir,
          data_dir: join(root, 'data', '{dataset}'),
          output_dir: 'runs',
          ...RUN_OPTIONS,
        },
        grid: { dataset: ['ChemProt', 'COS'], seed: [1, 2, 3] },
      });
      for (const dir of ['local', 'submit']) await mkdir(join(root, dir));
      const local = run(['sweep', 'run', file, '--parallel', '1'], join(root, 'local'));
      const queued = await run(
        ['sweep', 'run', file, '--queue', redis.url, '--queue-name', QUEUE],
        join(root, 'submit'),
      );
      expect(queued.stdout).toContain(`6 job(s) added to ${QUEUE}, 0 already queued`);
      const again = await enqueue(file);
      expect(again.summary.added).toEqual([]);
      expect(again.summary.existing).toHaveLength(6);
      const jobs = await Promise.all(
        again.plan.trials.map(async (trial) => (await jobWhen(trial.id, (s) => s === 'completed')).job),
      );
      await local;
      expect(new Set(jobs.map((job) => job.returnvalue.worker)).size).toBe(2);
      const third = await enqueue(file);
      expect(third.summary.added).toEqual([]);
      expect(third.summary.existing.map((e) => e.state)).toEqual(Array(6).fill('completed'));

      // Results come back through Redis into the submitting machine's folder.
      const collected = await run(
        ['sweep', 'collect', file, '--queue', redis.url, '--queue-name', QUEUE],
        join(root, 'submit'),
      );
      expect(collected.stdout).toContain('Collected 6 of 6 trials (6 written');
      for (const { outputBase } of again.plan.trials) {
        const path = join(root, 'submit', outputBase);
        const reference = join(root, 'local', outputBase);
        expect(await scores(`${path}.json`)).toEqual(await scores(`${reference}.json`));
        expect(await researchLog(`${path}.txt`)).toBe(await researchLog(`${reference}.txt`));
      }
    },
  );

  it(
    'completes a sweep when Redis restarts in the middle of it (workers reconnect)',
    SUITE_TIMEOUT,
    async () => {
      const file = await writeSweep('restart', {
        defaults: {
          model: modelDir,
          dataset: 'ChemProt',
          data_dir: join(root, 'data', 'ChemProt'),
          output_dir: join(root, 'restart'),
          ...RUN_OPTIONS,
        },
        grid: { seed: [11, 12] },
      });
      const { plan } = await enqueue(file);
      await jobWhen(plan.trials[0]!.id, (state) => state === 'active');
      await redis.stopProcess();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await redis.startProcess();
      for (const trial of plan.trials) {
        const { job, state } = await jobWhen(trial.id, (s) => s === 'completed' || s === 'failed');
        expect(state).toBe('completed');
        expect(JSON.parse(job.returnvalue.json).test_results).toEqual(
          JSON.parse(await readFile(`${trial.outputBase}.json`, 'utf8')).test_results,
        );
      }
      expect(workerOutput()).toMatch(/worker: .*\(retrying\)/);
    },
  );

  it(
    'fails a trial with a bad option once per attempt, then marks it failed with its error',
    SUITE_TIMEOUT,
    async () => {
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
      const { plan } = await enqueue(file, { retries: 2, backoffSeconds: 0 });
      const { job } = await jobWhen(plan.trials[0]!.id, (state) => state === 'failed');
      expect(job.attemptsMade).toBe(3);
      expect(job.failedReason).toMatch(/option '--epochs <n>' argument '0' is invalid/);
      const failures = [...workerOutput().matchAll(/epochs=0_.* failed \((attempt \d of 3)\)/g)].map(
        (m) => m[1],
      );
      expect(failures.sort()).toEqual(['attempt 1 of 3', 'attempt 2 of 3', 'attempt 3 of 3']);
      const status = await run(['sweep', 'status', file, '--queue', redis.url, '--queue-name', QUEUE]);
      expect(status.stdout).toMatch(
        /failed\s+after 3 attempt\(s\): error: option '--epochs <n>' argument '0' is invalid/,
      );
    },
  );

  it(
    'hands the trial of a SIGKILLed worker to the other worker, which resumes from the checkpoint and ends with the uninterrupted metrics',
    SUITE_TIMEOUT,
    async () => {
      const trial = {
        model: modelDir,
        dataset: 'ChemProt',
        data_dir: join(root, 'data', 'ChemProt-kill'),
        epochs: 3,
        batch_size: 8,
        lr: 2e-3,
        seed: 5,
      };
      const runName = 'lr=0.002_wd=0.01_epochs=3_seed=5_effective_batch_size=8';
      const file = await writeSweep('kill', { trials: [{ ...trial, output_dir: join(root, 'kill') }] });
      const referenceFile = await writeSweep('kill-ref', {
        trials: [{ ...trial, output_dir: join(root, 'kill-ref') }],
      });
      const reference = bcmb(planSweep(await readSweepFile(referenceFile)).trials[0]!.args);
      const { plan } = await enqueue(file);
      const id = plan.trials[0]!.id;
      // 120 examples / batch 8: 15 updates per epoch, so checkpoint-15 is the end of the first epoch.
      const checkpoint = join(
        root,
        'kill',
        'checkpoints',
        'ChemProt',
        'tiny-bert',
        runName,
        'checkpoint-15',
        'trainer_state.json',
      );
      const owner = await withTestQueue(QUEUE, (queue) =>
        waitFor(
          'the owner of the trial',
          async () => ((await queue.getJob(id))?.progress as TrialProgress)?.worker,
        ),
      );
      await waitFor(
        'the first epoch checkpoint',
        () =>
          stat(checkpoint).then(
            () => true,
            () => undefined,
          ),
        { everyMs: 20 },
      );
      const victim = workers.find((worker) => owner.endsWith(`:${worker.child.pid}`));
      expect(victim).toBeDefined();
      victim!.child.kill('SIGKILL');
      const { job, state } = await jobWhen(id, (s) => s === 'completed' || s === 'failed');
      expect(state).toBe('completed');
      expect(job.returnvalue.worker).not.toBe(owner);
      expect(job.returnvalue.resumedFrom).toMatch(/checkpoint-15$/);
      expect((await reference.done).code).toBe(0);
      const path = join('outputs', 'ChemProt', 'tiny-bert', `${runName}.json`);
      expect(await scores(join(root, 'kill', path))).toEqual(await scores(join(root, 'kill-ref', path)));
    },
  );
});
