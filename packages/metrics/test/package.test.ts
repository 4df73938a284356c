import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const builtFiles = ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts'];
const entryPoints = [
  'accuracy',
  'precisionRecallF1',
  'computeSingleLabelMetrics',
  'computeMultiLabelMetrics',
  'seqeval',
  'computeTokenClassificationMetrics',
  'MetricsInputError',
  'comparePythonStrings',
  'pythonFloatRepr',
];

/** True when dist is missing or older than some source file. */
function buildIsStale(): boolean {
  const missing = builtFiles.some((f) => !existsSync(`${packageDir}${f}`));
  if (missing) return true;
  const builtAt = statSync(`${packageDir}dist/index.js`).mtimeMs;
  return readdirSync(`${packageDir}src`).some((f) => statSync(`${packageDir}src/${f}`).mtimeMs > builtAt);
}

/** Runs a snippet in a fresh node from the package directory and returns the export names it printed. */
function exportNamesFrom(args: string[]): string[] {
  const out = execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

// Build once (in a child process) when dist is missing or older than the sources.
beforeAll(() => {
  if (buildIsStale()) {
    execFileSync('pnpm', ['--filter', '@bcmb/metrics', 'build'], { cwd: repoRoot, stdio: 'pipe' });
  }
});

describe('the built package', () => {
  it('ships ESM, CJS and type declarations', () => {
    for (const file of builtFiles) expect(existsSync(`${packageDir}${file}`), file).toBe(true);
  });

  it('loads with a plain require() of the package directory', () => {
    const names = exportNamesFrom([
      '-e',
      `const m = require(${JSON.stringify(packageDir)}); console.log(JSON.stringify(Object.keys(m).filter((k) => typeof m[k] === 'function')))`,
    ]);
    expect(names).toEqual(expect.arrayContaining(entryPoints));
  });

  it("loads by name through the exports map with require('@bcmb/metrics') and ESM import()", () => {
    const viaRequire = exportNamesFrom([
      '-e',
      `const m = require('@bcmb/metrics'); console.log(JSON.stringify(Object.keys(m).filter((k) => typeof m[k] === 'function').sort()))`,
    ]);
    const viaImport = exportNamesFrom([
      '--input-type=module',
      '-e',
      `const m = await import('@bcmb/metrics'); console.log(JSON.stringify(Object.keys(m).filter((k) => typeof m[k] === 'function').sort()))`,
    ]);
    expect(viaImport).toEqual(expect.arrayContaining(entryPoints));
    expect(viaImport).toEqual(viaRequire);
  });

  it('computes the same numbers from the ESM build as from source', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { seqeval } from '@bcmb/metrics'; console.log(JSON.stringify(seqeval([['B-A', 'I-A', 'O']], [['B-A', 'O', 'O']])))`,
      ],
      { cwd: packageDir, encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toMatchObject({ overall_f1: 0, overall_accuracy: 2 / 3 });
  });
});

describe('README', () => {
  it('has a snippet that runs against the build and prints what the README says it prints', () => {
    const readme = readFileSync(`${packageDir}README.md`, 'utf8');
    const [, snippet, printed] = /```js\n([\s\S]*?)```\s*prints\s*```\n([\s\S]*?)```/.exec(readme) ?? [];
    expect(snippet, 'README snippet').toBeDefined();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', snippet!], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();
    expect(normalize(out)).toBe(normalize(printed!));
  });
});

describe('package.json', () => {
  const manifest = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8')) as Record<string, unknown>;

  it('declares no runtime dependencies', () => {
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
    expect(manifest.optionalDependencies).toBeUndefined();
  });
});
