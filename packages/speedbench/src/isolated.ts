import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildJob, ChildMessage } from './child-protocol.js';
import { BenchmarkRunError, ModelLoadError } from './errors.js';

export type ChildOutcome =
  | { status: 'ok'; seconds: number[]; maxRssBytes: number; randomWeights: boolean; maxLength: number }
  /** The batch did not fit: the child ran out of memory or died. */
  | { status: 'failed'; reason: string };

export interface RunChildOptions {
  execArgv?: string[];
  onProgress?: (done: number, total: number) => void;
}

/** Lines of the child's stderr kept to explain a death. */
const STDERR_TAIL_LINES = 3;

const here = fileURLToPath(import.meta.url);
/** `.ts` under vitest/tsx, `.js`/`.cjs` once built: the child entry sits beside this module either way. */
const ownExtension = extname(here);

function childEntry(): string {
  return fileURLToPath(new URL(`./child${ownExtension}`, import.meta.url));
}

/**
 * From source, the child runs under tsx, with this package's tsconfig so that `@bcmb/*` resolves to the
 * sibling sources as it does in vitest.
 */
function childRuntime(extra: readonly string[]): { execArgv: string[]; env: NodeJS.ProcessEnv } {
  if (ownExtension !== '.ts') return { execArgv: [...extra], env: process.env };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  return { execArgv: ['--import', tsx, ...extra], env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig } };
}

/**
 * Runs one job in a fresh Node process. A child that exits or is killed without a result, or reports
 * an out-of-memory error, is a failed attempt (`status: 'failed'`); other errors are thrown, since
 * retrying with another batch size would not fix them.
 */
export function runChild(job: ChildJob, options: RunChildOptions = {}): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(childEntry(), [], {
      ...childRuntime(options.execArgv ?? []),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const stderr: string[] = [];
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
      stderr.splice(0, Math.max(0, stderr.length - STDERR_TAIL_LINES));
    });
    let settled: ChildOutcome | Error | undefined;
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'progress') options.onProgress?.(message.done, message.total);
      else if (message.type === 'done') settled = { status: 'ok', ...withoutType(message) };
      else if (message.outOfMemory)
        settled = { status: 'failed', reason: `out of memory: ${message.message}` };
      else if (message.phase === 'load') settled = new ModelLoadError(job.modelDir, message.message);
      else
        settled = new BenchmarkRunError(
          `${job.engine.name} failed on ${job.workload.name}: ${message.message}`,
        );
    });
    child.on('error', (error) => {
      settled ??= new BenchmarkRunError(`Cannot start a benchmark process: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      if (settled instanceof Error) reject(settled);
      else if (settled !== undefined && (settled.status === 'failed' || code === 0)) resolve(settled);
      else {
        const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
        const detail = stderr.length > 0 ? `: ${stderr.join(' | ')}` : '';
        resolve({ status: 'failed', reason: `process died (${how})${detail}` });
      }
    });
    child.send(job);
  });
}

function withoutType<T extends { type: string }>(message: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = message;
  return rest;
}
