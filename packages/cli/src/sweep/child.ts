import { type ChildProcess, spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';

/** Set on a child `bcmb` to the parent's pid: the child kills itself when that parent is gone. */
const PARENT_ENV = 'BCMB_EXIT_WITH_PARENT';

/**
 * In a child started by `spawnBcmb`, ends the process as soon as its parent dies (even a SIGKILLed parent),
 * so a trial never outlives the worker that owns its queue lock. A worker thread does the watching: training
 * runs long synchronous stretches during which the main thread's timers do not fire.
 */
export function exitWithParent(): void {
  const parent = Number(process.env[PARENT_ENV]);
  // Only the direct child watches; its own children (if any) must not inherit the watch.
  delete process.env[PARENT_ENV];
  if (!Number.isInteger(parent) || parent <= 1 || process.ppid !== parent) return;
  const watcher = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 500);`,
    { eval: true, workerData: parent },
  );
  watcher.unref();
}

export interface BcmbChild {
  child: ChildProcess;
  /** Exit code (1 when killed by a signal). */
  done: Promise<number>;
}

/**
 * Runs this same `bcmb` (node flags included, so a tsx-run CLI works too) with `args`; each output line goes to
 * `onLine`. The child dies with this process.
 */
export function spawnBcmb(
  args: readonly string[],
  onLine: (line: string, stream: 'stdout' | 'stderr') => void,
  options: { cwd?: string } = {},
): BcmbChild {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [PARENT_ENV]: String(process.pid) },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const forward = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop()!;
      for (const line of lines) onLine(line, name);
    });
    stream.on('end', () => pending !== '' && onLine(pending, name));
  };
  forward(child.stdout!, 'stdout');
  forward(child.stderr!, 'stderr');
  const done = new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
  return { child, done };
}

/** `spawnBcmb` with every line written to this process's stdout/stderr behind `prefix`. */
export function runPrefixed(args: readonly string[], prefix: string): Promise<number> {
  return spawnBcmb(args, (line, stream) =>
    (stream === 'stdout' ? process.stdout : process.stderr).write(`${prefix} ${line}\n`),
  ).done;
}
