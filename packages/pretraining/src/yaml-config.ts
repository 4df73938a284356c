import { readFile } from 'node:fs/promises';
import { parseDocument, visit } from 'yaml';
import { PretrainConfigError } from './errors.js';

export type ConfigTree = { [key: string]: ConfigValue };
export type ConfigValue = string | number | boolean | null | ConfigValue[] | ConfigTree;

/**
 * Parses YAML the way OmegaConf (which ModernBERT's main.py uses) does: YAML 1.1 scalars (`on`/`off`, `1_000`) plus
 * OmegaConf's float resolver, so `3e-4` is a float (PyYAML alone keeps it a string). Interpolations stay unresolved.
 */
export function parseOmegaConfYaml(text: string, file?: string): ConfigTree {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new PretrainConfigError(`YAML syntax error: ${first?.message.split('\n')[0]}`, {
      file,
      line: first?.linePos?.[0]?.line,
      hint: 'Fix the YAML syntax (indentation, colons, quotes)',
    });
  }
  // Quoted scalars stay strings; plain ones follow OmegaConf's resolver (YAML 1.1 already reads 3e-4 as a float).
  visit(doc, {
    Scalar(_, node) {
      if (node.type === 'PLAIN' && typeof node.value === 'string' && OMEGACONF_FLOAT.test(node.value)) {
        node.value = Number(node.value.replaceAll('_', ''));
      }
    },
  });
  const value = doc.toJS() as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new PretrainConfigError('The config must be a YAML mapping at the top level', { file });
  }
  return value as ConfigTree;
}

// omegaconf/_utils.py get_yaml_loader: the float resolver OmegaConf adds on top of PyYAML's.
const OMEGACONF_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

export async function readOmegaConfYaml(path: string): Promise<ConfigTree> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PretrainConfigError(`Cannot read the config file ${path}`, {
      cause: error,
      hint: 'Pass the path of a research YAML, e.g. pretraining_configs/phase2/phase2_base.yaml',
    });
  }
  return parseOmegaConfYaml(text, path);
}

/** Every leaf as `dotted.path → value` (lists are leaves and empty maps are skipped, as in configs_keys.json). */
export function configLeaves(tree: ConfigTree, prefix = ''): Map<string, ConfigValue> {
  const out = new Map<string, ConfigValue>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of configLeaves(value, path)) out.set(k, v);
    } else out.set(path, value);
  }
  return out;
}

/**
 * OmegaConf `from_dotlist` + merge: `a.b=c` sets `a.b` (creating maps on the way) to the YAML value of `c`,
 * so `--set optimizer.lr=1e-4` gives a float and `--set run_name=x` a string.
 */
export function applyOverrides(tree: ConfigTree, overrides: readonly string[]): ConfigTree {
  const out = structuredClone(tree);
  for (const override of overrides) {
    const eq = override.indexOf('=');
    const path = eq === -1 ? '' : override.slice(0, eq).trim();
    if (eq === -1 || path === '' || path.split('.').some((part) => part === '')) {
      throw new PretrainConfigError(`Override ${JSON.stringify(override)} is not key.path=value`, {
        hint: 'Write --set optimizer.lr=1e-4',
      });
    }
    const parsed = parseOmegaConfYaml(`v: ${override.slice(eq + 1)}`).v ?? null;
    const parts = path.split('.');
    let node: ConfigTree = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
      node = node[part] as ConfigTree;
    }
    node[parts[parts.length - 1] as string] = parsed;
  }
  return out;
}

const INTERPOLATION = /\$\{([^${}]*)\}/g;

/** Resolves OmegaConf `${a.b}` interpolations (absolute paths; whole-string ones keep the target's type). */
export function resolveInterpolations(tree: ConfigTree): ConfigTree {
  const resolving = new Set<string>();
  const lookup = (path: string, from: string): ConfigValue => {
    if (path.includes(':') || path.startsWith('.')) {
      throw new PretrainConfigError(
        `interpolation \${${path}} uses a resolver or relative path bcmb does not support`,
        {
          keyPath: from,
          hint: 'Use interpolations of absolute key paths (a.b) without resolvers, or write the value',
        },
      );
    }
    let node: ConfigValue = tree;
    for (const part of path.split('.')) {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !(part in node)) {
        throw new PretrainConfigError(`interpolation \${${path}} points at a missing key`, { keyPath: from });
      }
      node = (node as ConfigTree)[part] as ConfigValue;
    }
    if (resolving.has(path))
      throw new PretrainConfigError(`interpolation cycle through ${path}`, { keyPath: from });
    resolving.add(path);
    const value = resolve(node, path);
    resolving.delete(path);
    return value;
  };
  const resolve = (value: ConfigValue, path: string): ConfigValue => {
    if (typeof value === 'string') {
      const whole = /^\$\{([^${}]*)\}$/.exec(value);
      if (whole !== null) return lookup(whole[1] as string, path);
      if (!value.includes('${')) return value;
      return value.replace(INTERPOLATION, (_, inner: string) => String(lookup(inner, path)));
    }
    if (Array.isArray(value)) return value.map((item, i) => resolve(item, `${path}[${i}]`));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, resolve(v, path === '' ? k : `${path}.${k}`)]),
      );
    }
    return value;
  };
  return resolve(tree, '') as ConfigTree;
}
