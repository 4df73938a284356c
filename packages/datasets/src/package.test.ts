import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ML_PACKAGE,
  productionTree,
  readManifest,
  runtimeDependencies,
} from '../../core/src/testing/package-tree.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Signs of a native addon: a build file, node-gyp / prebuild tooling or an install script. */
const NATIVE_TOOLING = /^(node-gyp|node-gyp-build|prebuild-install|bindings|node-addon-api|@napi-rs\/.*)$/;

describe('@bcmb/datasets production dependencies', () => {
  const tree = [...productionTree(packageDir)];

  it('declares only @bcmb/core, the dependency-free @bcmb/metrics and the pure-JS csv-parse', () => {
    expect(runtimeDependencies(readManifest(packageDir)).sort()).toEqual([
      '@bcmb/core',
      '@bcmb/metrics',
      'csv-parse',
    ]);
  });

  it('depends on other bcmb packages only when they have no dependency of their own (besides @bcmb/core)', () => {
    const bcmb = tree.filter(
      ([, m]) => m.name.startsWith('@bcmb/') && m.name !== '@bcmb/core' && m.name !== '@bcmb/datasets',
    );
    expect(bcmb.map(([, m]) => m.name)).toEqual(['@bcmb/metrics']);
    expect(bcmb.flatMap(([, m]) => runtimeDependencies(m))).toEqual([]);
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
