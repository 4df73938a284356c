import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

// Tests import sibling packages from source, so `pnpm test` needs no build first.
// `@bcmb/<name>/browser` (the browser entries) comes first: an alias also matches as a path prefix.
const alias = Object.fromEntries(
  readdirSync(packagesDir).flatMap((name) => [
    [`@bcmb/${name}/browser`, `${packagesDir}${name}/src/browser.ts`],
    [`@bcmb/${name}`, `${packagesDir}${name}/src/index.ts`],
  ]),
);

export default defineConfig({
  resolve: { alias },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/**/*.test.ts',
      'fuzz/**/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
