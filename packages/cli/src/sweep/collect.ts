import { readFile } from 'node:fs/promises';
import { BcmbError, writeFileAtomic } from '@bcmb/core';
import { parseResearchLog } from '@bcmb/trainer';
import type { Trial } from './plan.js';

/** A trial's result files contradict each other; nothing was written. */
export class ResultConflictError extends BcmbError {}

/** A trial's result as files: the research `.txt` and its `.json` twin. */
export interface ResultFiles {
  txt: string;
  json: string;
}

/** Timings differ between two runs of the same trial; only these numbers must agree. */
function isScore(key: string): boolean {
  return key.startsWith('eval_') && !/_(runtime|per_second)$/.test(key);
}

function txtScores(txt: string): Record<string, number> {
  return Object.fromEntries(Object.entries(parseResearchLog(txt)).filter(([key]) => isScore(key)));
}

function jsonScores(json: string): Record<string, number> {
  const results = (JSON.parse(json) as { test_results?: Record<string, number> }).test_results ?? {};
  return Object.fromEntries(Object.entries(results).filter(([key]) => isScore(key)));
}

/** The first score two metric sets disagree on, as `key (a vs b)`, or undefined when they agree. */
function disagreement(a: Record<string, number>, b: Record<string, number>): string | undefined {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    // The .txt holds Python-formatted floats, which read back to the same double.
    if (a[key] !== b[key]) return `${key} (${a[key]} vs ${b[key]})`;
  }
  return undefined;
}

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

export interface CollectPlan {
  /** Trials whose files are written (they were missing here). */
  write: { trial: Trial; files: ResultFiles }[];
  /** Trials whose files were already here and agree. */
  present: Trial[];
}

/**
 * Checks each trial's result against itself (`.txt` vs `.json`) and against the files already on disk, and
 * says what to write. Any disagreement on a test score refuses the whole collection, naming every conflict.
 */
export async function planCollection(results: { trial: Trial; files?: ResultFiles }[]): Promise<CollectPlan> {
  const conflicts: string[] = [];
  const out: CollectPlan = { write: [], present: [] };
  for (const { trial, files } of results) {
    const local = {
      txt: await readOptional(`${trial.outputBase}.txt`),
      json: await readOptional(`${trial.outputBase}.json`),
    };
    const versions: [string, Record<string, number>][] = [];
    if (files) {
      versions.push(
        ['queued result .txt', txtScores(files.txt)],
        ['queued result .json', jsonScores(files.json)],
      );
    }
    if (local.txt !== undefined) versions.push([`${trial.outputBase}.txt`, txtScores(local.txt)]);
    if (local.json !== undefined) versions.push([`${trial.outputBase}.json`, jsonScores(local.json)]);
    for (const [name, scores] of versions.slice(1)) {
      const diff = disagreement(versions[0]![1], scores);
      if (diff)
        conflicts.push(
          `${trial.runName} (${trial.dataset}/${trial.model}): ${versions[0]![0]} and ${name} differ on ${diff}`,
        );
    }
    if (files && (local.txt === undefined || local.json === undefined)) out.write.push({ trial, files });
    else if (local.txt !== undefined) out.present.push(trial);
  }
  if (conflicts.length > 0) {
    throw new ResultConflictError(
      `${conflicts.length} trial result(s) disagree, nothing collected: ${conflicts.join('; ')}`,
      { hint: 'Remove the stale files (or rerun those trials) and collect again' },
    );
  }
  return out;
}

/** Writes the planned files atomically: a reader sees no file or a whole one. */
export async function writeCollection(plan: CollectPlan): Promise<void> {
  for (const { trial, files } of plan.write) {
    await writeFileAtomic(`${trial.outputBase}.json`, files.json);
    await writeFileAtomic(`${trial.outputBase}.txt`, files.txt);
  }
}
