// Builds the static page into dist/ (or the folder given): the page and worker bundles (esbuild, platform
// browser), index.html and style.css, onnxruntime-web's wasm runtime under ort/, and the tiny model under model/.
// Serve dist/ with any static file server; nothing runs on the server.
//
//   pnpm tsx examples/deid-page/build.ts [outDir]
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));

/** onnxruntime-web's runtime for the wasm and WebGPU build the page imports (`onnxruntime-web`, its JSEP build). */
const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'];

export interface BuildOptions {
  /** Extra esbuild plugins (the tests resolve `@bcmb/*` to source with one). */
  plugins?: Plugin[];
  /** A model folder to ship under model/ instead of the tiny fixture. */
  modelDir?: string;
  minify?: boolean;
}

/** onnxruntime-web's dist folder, resolved from this recipe as its bundle resolves it. */
function ortDistDir(): string {
  try {
    return dirname(
      createRequire(join(HERE, 'package.json')).resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'),
    );
  } catch (cause) {
    throw new Error('onnxruntime-web is not installed next to the page: npm i onnxruntime-web', { cause });
  }
}

export async function buildPage(outDir: string, options: BuildOptions = {}): Promise<string> {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'ort'), { recursive: true });
  await build({
    entryPoints: { main: join(HERE, 'src/main.ts'), worker: join(HERE, 'src/worker.ts') },
    outdir: out,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? false,
    sourcemap: true,
    logLevel: 'warning',
    plugins: options.plugins ?? [],
    // Not the repository's tsconfig `paths` (they point @bcmb/* at Node sources): resolve packages as a copy would.
    tsconfigRaw: { compilerOptions: {} },
  });
  for (const file of ['index.html', 'style.css']) cpSync(join(HERE, file), join(out, file));
  const ort = ortDistDir();
  for (const file of ORT_RUNTIME_FILES) cpSync(join(ort, file), join(out, 'ort', file));
  const model = options.modelDir ?? join(HERE, 'model');
  mkdirSync(join(out, 'model'));
  for (const file of readdirSync(model).filter((name) => !name.endsWith('.ts'))) {
    cpSync(join(model, file), join(out, 'model', file));
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildPage(process.argv[2] ?? join(HERE, 'dist'), { minify: true });
  console.log(`built ${out}: serve it with any static server, e.g. npx http-server ${out}`);
}
