import { runPrefixed } from './child.js';
import { hasResult, type Trial } from './plan.js';

/** `[3/12 ChemProt tiny-bert seed=44]`: how a trial's output lines are prefixed. */
export function trialLabel(trial: Trial, total: number): string {
  const seed = /_seed=([^_]+)_/.exec(trial.runName)?.[1];
  return `[${trial.index + 1}/${total} ${trial.dataset} ${trial.model} seed=${seed}]`;
}

export interface LocalRunSummary {
  ran: Trial[];
  skipped: Trial[];
  failed: Trial[];
}

/**
 * Runs the trials without results on this machine, `parallel` at a time, each as its own `bcmb finetune` child
 * (with `--resume`, so a trial killed earlier continues from its newest checkpoint). `extraArgs` go after each
 * trial's own options (so they win).
 */
export async function runLocally(
  trials: readonly Trial[],
  options: { parallel: number; total: number; extraArgs: readonly string[] },
): Promise<LocalRunSummary> {
  const summary: LocalRunSummary = { ran: [], skipped: [], failed: [] };
  const pending: Trial[] = [];
  for (const trial of trials) ((await hasResult(trial)) ? summary.skipped : pending).push(trial);
  if (summary.skipped.length > 0) {
    process.stderr.write(`${summary.skipped.length} trial(s) already have results; skipped.\n`);
  }
  const work = async () => {
    for (let trial = pending.shift(); trial !== undefined; trial = pending.shift()) {
      const label = trialLabel(trial, options.total);
      process.stderr.write(`${label} starting: bcmb ${trial.args.join(' ')}\n`);
      const code = await runPrefixed([...trial.args, '--resume', ...options.extraArgs], label);
      (code === 0 ? summary.ran : summary.failed).push(trial);
      process.stderr.write(`${label} ${code === 0 ? 'done' : `failed (exit code ${code})`}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, pending.length)) }, work));
  return summary;
}
