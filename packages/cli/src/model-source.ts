import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveModel } from '@bcmb/hub';
import type { Command } from 'commander';

/** How `--model` is looked up on the Hugging Face hub (local folders ignore both). */
export interface HubFlags {
  revision?: string;
  offline?: boolean;
}

export function addHubOptions(command: Command): Command {
  return command
    .option('--revision <rev>', 'hub branch, tag or commit id of --model (default: main)')
    .option('--offline', 'use only the Hugging Face cache, never the network (same as HF_HUB_OFFLINE=1)');
}

/** The `--revision`/`--offline` arguments to pass on to a child `bcmb` process. */
export function hubArgs(flags: HubFlags): string[] {
  return [...(flags.revision ? ['--revision', flags.revision] : []), ...(flags.offline ? ['--offline'] : [])];
}

/**
 * `--model` as transformers resolves it: an existing folder as it is (each command checks what it needs, e.g. a
 * config-only folder is fine for `bcmb speed`), else the shared Hugging Face cache, else a download.
 */
export async function resolveModelFlag(
  model: string,
  flags: HubFlags,
): Promise<{ dir: string; local: boolean }> {
  if ((await stat(model).catch(() => undefined))?.isDirectory() === true)
    return { dir: resolve(model), local: true };
  const resolved = await resolveModel(model, {
    ...(flags.revision ? { revision: flags.revision } : {}),
    ...(flags.offline ? { offline: true } : {}),
  });
  return { dir: resolved.dir, local: false };
}
