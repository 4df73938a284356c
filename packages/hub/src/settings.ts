import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { getHFHubCachePath, HUB_URL } from '@huggingface/hub';

/** How `resolveModel` reaches the hub; each field defaults from the environment like huggingface_hub does. */
export interface HubSettings {
  cacheDir: string;
  endpoint: string;
  offline: boolean;
  token: string | undefined;
}

export interface HubSettingsOverrides {
  cacheDir?: string;
  endpoint?: string;
  offline?: boolean;
  token?: string;
}

/** Truthy spellings accepted by huggingface_hub's `_is_true` (constants.py). */
const TRUE_VALUES = new Set(['1', 'on', 'yes', 'true']);

function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase());
}

/**
 * Reads the environment variables huggingface_hub reads, so Python and bcmb agree:
 * HF_HUB_CACHE / HF_HOME / XDG_CACHE_HOME (via @huggingface/hub), HF_ENDPOINT, HF_HUB_OFFLINE (or
 * TRANSFORMERS_OFFLINE), HF_TOKEN, else the token file `huggingface-cli login` writes.
 */
export function hubSettings(overrides: HubSettingsOverrides = {}): HubSettings {
  const env = process.env;
  return {
    cacheDir: overrides.cacheDir ?? getHFHubCachePath(),
    endpoint: (overrides.endpoint ?? env.HF_ENDPOINT ?? HUB_URL).replace(/\/+$/, ''),
    offline: overrides.offline ?? (isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE)),
    token: overrides.token ?? (nonEmpty(env.HF_TOKEN) || storedToken(env)),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** `$HF_TOKEN_PATH`, else `$HF_HOME/token`, else `~/.cache/huggingface/token`. */
function storedToken(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  try {
    return nonEmpty(readFileSync(env.HF_TOKEN_PATH ?? join(home, 'token'), 'utf8'));
  } catch {
    return undefined;
  }
}
