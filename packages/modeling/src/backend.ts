import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { BackendError } from './errors.js';
import { registerGradients } from './register-gradients.js';
import { installWasmSliceKernel } from './wasm-slice.js';

/** Backends in the order `initBackend` prefers them. */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

/** Environment variable that forces a backend (`cpu`, `wasm`, `tensorflow`, `tensorflow-gpu`). */
export const BACKEND_ENV_VAR = 'BCMB_BACKEND';

export interface BackendInfo {
  /** Our name for it; tfjs registers both tfjs-node flavours as `tensorflow`. */
  name: BackendName;
  /** The package that provides it. */
  package: string;
  /** wasm only: SIMD and multi-threading (tfjs-backend-wasm runs single-threaded under Node). */
  simd?: boolean;
  threads?: boolean;
}

const PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** Imports an optional peer dependency; false when it is not installed or fails to load its native binding. */
async function tryImport(name: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ name);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    if (!(await tryImport(PACKAGES[name]))) return false;
    return tf.setBackend('tensorflow');
  }
  try {
    if (name === 'wasm') installWasmSliceKernel();
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

async function describe(name: BackendName): Promise<BackendInfo> {
  const info: BackendInfo = { name, package: PACKAGES[name] };
  if (name === 'wasm') {
    info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    info.threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  }
  return info;
}

function parseRequested(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((BACKEND_PREFERENCE as readonly string[]).includes(value)) return value as BackendName;
  throw new BackendError(`${BACKEND_ENV_VAR}="${value}" is not a backend bcmb knows`, {
    hint: `Use one of ${BACKEND_PREFERENCE.join(', ')}`,
  });
}

/**
 * Selects the fastest installed tfjs backend: tfjs-node-gpu, then tfjs-node (optional peers, never required),
 * then wasm, then cpu. `backend` or the BCMB_BACKEND variable forces one (an error if it cannot start).
 * Reports the choice through `onReport` (console.info by default).
 */
export async function initBackend(
  options: { backend?: BackendName; onReport?: (message: string) => void } = {},
): Promise<BackendInfo> {
  const requested = options.backend ?? parseRequested(process.env[BACKEND_ENV_VAR]);
  const report = options.onReport ?? ((message: string) => console.info(message));
  const candidates = requested ? [requested] : BACKEND_PREFERENCE;
  await registerGradients();
  for (const name of candidates) {
    if (await activate(name)) {
      await tf.ready();
      const info = await describe(name);
      const extras =
        name === 'wasm' ? ` (SIMD ${info.simd ? 'on' : 'off'}, threads ${info.threads ? 'on' : 'off'})` : '';
      report(`bcmb: tfjs backend ${name} from ${info.package}${extras}`);
      return info;
    }
  }
  throw new BackendError(`tfjs backend "${requested}" could not be initialised`, {
    hint: `Install ${PACKAGES[requested ?? 'cpu']} or pick another with ${BACKEND_ENV_VAR}`,
  });
}
