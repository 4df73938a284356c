import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

/** The repository's packages folder. */
export const PACKAGES_DIR = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The source file a browser bundler reaches for `@bcmb/<name>[/sub]`: the package's export map read with
 * esbuild's browser conditions (browser, then import, then default), its `dist/x.js` mapped back to `src/x.ts`.
 * So tests bundle what the published packages would, without a build first.
 */
export function browserSourceOf(specifier: string): string {
  const [, name, sub] = /^@bcmb\/([^/]+)(\/.+)?$/.exec(specifier) as RegExpExecArray;
  const manifest = JSON.parse(readFileSync(`${PACKAGES_DIR}${name}/package.json`, 'utf8'));
  const entry = manifest.exports[sub === undefined ? '.' : `.${sub}`];
  if (entry === undefined) throw new Error(`${specifier} is not exported by packages/${name}/package.json`);
  const pick = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const conditions = value as Record<string, unknown>;
    return pick(conditions.browser ?? conditions.import ?? conditions.default);
  };
  return `${PACKAGES_DIR}${name}/${pick(entry).replace(/^\.\/dist\/(.+)\.js$/, 'src/$1.ts')}`;
}

/** An esbuild plugin resolving every `@bcmb/*` import to its source through `browserSourceOf`. */
export function workspaceSourcesPlugin(): Plugin {
  return {
    name: 'bcmb-workspace-sources',
    setup(builder) {
      builder.onResolve({ filter: /^@bcmb\// }, (args) => ({ path: browserSourceOf(args.path) }));
    },
  };
}
