import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Test support: walks a workspace package's production dependency tree as Node would resolve it. */

export interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  binary?: unknown;
}

export const readManifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
export const runtimeDependencies = (m: Manifest) =>
  Object.keys({ ...m.dependencies, ...m.optionalDependencies, ...m.peerDependencies });

/** Node's lookup of `name` from `fromDir`: the nearest `node_modules/name` up the tree (pnpm symlinks resolved). */
export function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; dir !== dirname(dir); dir = dirname(dir)) {
    if (basename(dir) === 'node_modules') continue;
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
  }
  return undefined;
}

/** Every package installed for production use of the package in `packageDir` (itself included), by directory. */
export function productionTree(packageDir: string): Map<string, Manifest> {
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
export const ML_PACKAGE = /tensorflow|tfjs|onnx|torch|tokenizers?$|transformers/;
/** TensorFlow.js, in any form. */
export const TFJS_PACKAGE = /tensorflow|tfjs/;
