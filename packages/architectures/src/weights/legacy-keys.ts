import type { StateDict } from './state-dict.js';

/**
 * TensorFlow-era names that `transformers` (4.48, `PreTrainedModel._fix_state_dict_key_on_load`) renames on load:
 * a key ending in `LayerNorm.gamma`/`LayerNorm.beta` becomes `LayerNorm.weight`/`LayerNorm.bias`. Only LayerNorm
 * parameters are touched, so a module genuinely named `gamma` elsewhere keeps its name.
 */
const LEGACY_SUFFIXES: readonly (readonly [string, string])[] = [
  ['LayerNorm.beta', 'LayerNorm.bias'],
  ['LayerNorm.gamma', 'LayerNorm.weight'],
];

/** The modern name of one key, or the key itself. */
export function modernKeyName(key: string): string {
  for (const [legacy, modern] of LEGACY_SUFFIXES) {
    if (key.endsWith(legacy)) return key.slice(0, -legacy.length) + modern;
  }
  return key;
}

/** Returns a new state dict with legacy LayerNorm names modernised; order and tensors are kept. */
export function renameLegacyKeys(dict: StateDict): StateDict {
  return new Map([...dict].map(([key, tensor]) => [modernKeyName(key), tensor]));
}
