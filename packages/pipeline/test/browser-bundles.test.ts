import { builtinModules } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PACKAGES_DIR as PACKAGES, workspaceSourcesPlugin } from '../src/testing/workspace-sources.js';

const BUILTINS = new Set(builtinModules);

const isBuiltin = (path: string) =>
  path.startsWith('node:') || BUILTINS.has(path) || BUILTINS.has(path.split('/')[0] as string);

/**
 * Bundles `specifier` as a browser app would (esbuild, platform browser, no Node polyfills, sibling packages from
 * source through their export maps) and returns every Node built-in the bundle reached, with its importer.
 */
async function builtinsReached(specifier: string): Promise<string[]> {
  const reached: string[] = [];
  const plugin: Plugin = {
    name: 'bcmb-browser-check',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        reached.push(`${args.path} (imported by ${args.importer.replace(PACKAGES, 'packages/')})`);
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    stdin: { contents: `export * from '${specifier}';`, resolveDir: PACKAGES, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [workspaceSourcesPlugin(), plugin],
  });
  return reached;
}

describe('browser bundles reach no Node built-in', () => {
  it.each([
    '@bcmb/core',
    '@bcmb/core/browser',
    '@bcmb/metrics',
    '@bcmb/datasets',
    '@bcmb/datasets/browser',
    '@bcmb/tokenizer',
    '@bcmb/tokenizer/browser',
    '@bcmb/architectures',
    '@bcmb/architectures/browser',
    '@bcmb/onnx',
    '@bcmb/onnx/browser',
    '@bcmb/pipeline/browser',
  ])('%s bundles for platform browser without node: or built-in imports', async (specifier) => {
    expect(await builtinsReached(specifier)).toEqual([]);
  });

  it("the check itself sees a built-in: the tokenizer's folder loader reaches node:fs/promises", async () => {
    const reached = await builtinsReached(`${PACKAGES}tokenizer/src/load.ts`);
    expect(reached).toContain('node:fs/promises (imported by packages/tokenizer/src/load.ts)');
  });
});
