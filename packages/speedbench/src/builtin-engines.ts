import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineRegistration } from './engine.js';

/** `.ts` from source (vitest, tsx), `.js`/`.cjs` when built: engine modules sit beside this one. */
const ownExtension = extname(fileURLToPath(import.meta.url));
const TFJS_MODULE = new URL(`./engines/tfjs${ownExtension}`, import.meta.url).href;

/** True when `name` can be resolved from here or from the working directory (where a user installs peers). */
function installed(name: string): Promise<true | string> {
  for (const from of [import.meta.url, `${process.cwd()}/`]) {
    try {
      createRequire(from).resolve(name);
      return Promise.resolve(true);
    } catch {
      // try the next location
    }
  }
  return Promise.resolve(`${name} is not installed (npm i ${name})`);
}

function tfjs(
  name: string,
  backend: string,
  device: 'cpu' | 'gpu',
  available: () => Promise<true | string>,
): EngineRegistration {
  return {
    name,
    family: 'tfjs',
    device,
    module: TFJS_MODULE,
    factory: 'createTfjsEngine',
    options: { backend },
    available,
  };
}

/**
 * The engines bcmb ships, in preference order: tfjs on tfjs-node-gpu, tfjs-node (optional peers of
 * @bcmb/modeling), wasm and cpu (always there). ONNX Runtime and others join through `registerEngine`.
 */
export function builtinEngines(): EngineRegistration[] {
  return [
    tfjs('tfjs-node-gpu', 'tensorflow-gpu', 'gpu', () => installed('@tensorflow/tfjs-node-gpu')),
    tfjs('tfjs-node', 'tensorflow', 'cpu', () => installed('@tensorflow/tfjs-node')),
    tfjs('tfjs-wasm', 'wasm', 'cpu', async () => true),
    tfjs('tfjs-cpu', 'cpu', 'cpu', async () => true),
  ];
}
