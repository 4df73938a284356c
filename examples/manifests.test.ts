import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

const versions = new Map<string, string>(
  readdirSync(join(root, 'packages')).map((name) => {
    const manifest = readJson(join(root, 'packages', name, 'package.json'));
    return [manifest.name, manifest.version];
  }),
);

/** npm's caret range on x.y.z: same major, or same minor below 1.0, and not older. */
function caretAccepts(range: string, version: string): boolean {
  const [rMajor, rMinor, rPatch] = range.slice(1).split('.').map(Number) as [number, number, number];
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  if (major !== rMajor) return false;
  if (rMajor === 0 && minor !== rMinor) return false;
  return minor > rMinor || (minor === rMinor && patch >= rPatch);
}

const recipes = readdirSync(join(root, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
  .map((entry) => entry.name);

describe('issue 17 item 14: a packed set of bcmb packages installs as the examples ask', () => {
  it.each(recipes)('%s has a package.json whose @bcmb ranges the packages satisfy', (recipe) => {
    const path = join(root, 'examples', recipe, 'package.json');
    expect(existsSync(path), `${recipe}/package.json`).toBe(true);
    const dependencies: Record<string, string> = readJson(path).dependencies ?? {};
    const bcmb = Object.entries(dependencies).filter(([name]) => name.startsWith('@bcmb/'));
    expect(bcmb.length).toBeGreaterThan(0);
    for (const [name, range] of bcmb) {
      expect(range, name).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(caretAccepts(range, versions.get(name)!), `${name} ${range} vs ${versions.get(name)}`).toBe(
        true,
      );
    }
  });

  it('every package names Apache-2.0 and ships its LICENSE', () => {
    for (const name of readdirSync(join(root, 'packages'))) {
      expect(readJson(join(root, 'packages', name, 'package.json')).license, name).toBe('Apache-2.0');
      expect(readFileSync(join(root, 'packages', name, 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(root, 'LICENSE'), 'utf8'),
      );
    }
  });

  it('no recipe source refers to the repository layout', () => {
    for (const recipe of recipes) {
      for (const file of readdirSync(join(root, 'examples', recipe)).filter((f) => f.endsWith('.ts'))) {
        if (file.endsWith('.test.ts')) continue;
        const source = readFileSync(join(root, 'examples', recipe, file), 'utf8');
        expect(source, `${recipe}/${file}`).not.toMatch(/['"`]packages\//);
      }
    }
  });
});
