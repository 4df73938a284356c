import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  binary?: unknown;
}

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
const runtimeDependencies = (m: Manifest) =>
  Object.keys({ ...m.dependencies, ...m.optionalDependencies, ...m.peerDependencies });

/** Node's lookup of `name` from `fromDir`: the nearest `node_modules/name` up the tree (pnpm symlinks resolved). */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; dir !== dirname(dir); dir = dirname(dir)) {
    if (basename(dir) === 'node_modules') continue;
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
  }
  return undefined;
}

/** Every package installed for production use of @bcmb/datasets, by directory. */
function productionTree(): Map<string, Manifest> {
  const seen = new Map<string, Manifest>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    const manifest = readManifest(dir);
    seen.set(dir, manifest);
    for (const dependency of runtimeDependencies(manifest)) {
      const found = resolvePackageDir(dependency, dir);
      if (found !== undefined) visit(found);
    }
  };
  visit(realpathSync(packageDir));
  return seen;
}

/** Machine-learning runtimes and tokenizers: a user installing only @bcmb/datasets must not get one. */
const ML_PACKAGE = /tensorflow|tfjs|onnx|torch|tokenizers?$|transformers/;
/** Signs of a native addon: a build file, node-gyp / prebuild tooling or an install script. */
const NATIVE_TOOLING = /^(node-gyp|node-gyp-build|prebuild-install|bindings|node-addon-api|@napi-rs\/.*)$/;

describe('@bcmb/datasets production dependencies', () => {
  const tree = [...productionTree()];

  it('declares only @bcmb/core and the pure-JS csv-parse', () => {
    expect(runtimeDependencies(readManifest(packageDir)).sort()).toEqual(['@bcmb/core', 'csv-parse']);
  });

  it('pulls in no ML runtime or tokenizer, anywhere in the tree', () => {
    expect(tree.map(([, m]) => m.name).filter((name) => ML_PACKAGE.test(name))).toEqual([]);
  });

  it('pulls in no native module: no binding.gyp, gypfile, install script or addon tooling', () => {
    const native = tree
      .filter(
        ([dir, m]) =>
          existsSync(join(dir, 'binding.gyp')) ||
          m.gypfile === true ||
          m.binary !== undefined ||
          ['install', 'preinstall', 'postinstall'].some((s) => m.scripts?.[s] !== undefined) ||
          NATIVE_TOOLING.test(m.name),
      )
      .map(([, m]) => m.name);
    expect(native).toEqual([]);
    expect(tree.length).toBeGreaterThanOrEqual(3);
  });
});
