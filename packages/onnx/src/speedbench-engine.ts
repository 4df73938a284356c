/**
 * bcmb's ONNX engine for @bcmb/speedbench (`bcmb speed --engine onnx`): the encoder exported in memory and run
 * on ONNX Runtime. Its benchmark child processes import this module by URL, so it stands alone as a build entry.
 * The shapes below are @bcmb/speedbench's `InferenceEngine` and `EngineRegistration`, kept structural so
 * @bcmb/onnx does not depend on the benchmark package.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWeights, MissingWeightsError, readConfig } from '@bcmb/architectures';
import { exportEncoder, exportRandomEncoder } from './export.js';
import { type Device, OnnxSession, onnxRuntimeAvailable, type TokenBatch } from './runtime.js';

export interface OnnxEngineOptions {
  /** int8 weights for the encoder's linear layers. */
  quantize?: boolean;
  device?: Device;
  threads?: number;
}

export interface OnnxLoadedModel {
  maxLength: number;
  randomWeights: boolean;
  run(batch: TokenBatch): Promise<void>;
  dispose(): Promise<void>;
}

export interface OnnxInferenceEngine {
  name: string;
  load(modelDir: string): Promise<OnnxLoadedModel>;
}

/** The factory a speedbench registration names: the encoder (no head) of a model directory on ORT. */
export async function createOnnxEngine(options: OnnxEngineOptions = {}): Promise<OnnxInferenceEngine> {
  const quantize = options.quantize ?? false;
  return {
    name: `onnx-${options.device ?? 'cpu'}${quantize ? '-int8' : ''}`,
    async load(modelDir) {
      const config = await readConfig(modelDir);
      let randomWeights = false;
      let exported: ReturnType<typeof exportEncoder>;
      try {
        exported = exportEncoder(config, (await loadWeights(modelDir)).stateDict, { task: 'base', quantize });
      } catch (error) {
        if (!(error instanceof MissingWeightsError)) throw error;
        // A config-only directory benchmarks random weights, as speedbench's tfjs engine does.
        randomWeights = true;
        exported = exportRandomEncoder(config, { task: 'base', quantize });
      }
      const session = await OnnxSession.create(exported, {
        ...(options.device ? { device: options.device } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
      });
      return {
        maxLength: config.maxPositionEmbeddings,
        randomWeights,
        async run(batch) {
          await session.run(batch);
        },
        dispose: () => session.release(),
      };
    },
  };
}

/** `.ts` from source (vitest, tsx), `.js`/`.cjs` when built: this module's own file. */
const MODULE_URL = new URL(`./speedbench-engine${extname(fileURLToPath(import.meta.url))}`, import.meta.url)
  .href;

/**
 * Registrations for @bcmb/speedbench's `registerEngine`: `onnx-cpu` (float32) and `onnx-cpu-int8`, family
 * `onnx`, available when onnxruntime-node loads.
 *   for (const r of onnxEngineRegistrations()) registerEngine(r);
 */
export function onnxEngineRegistrations() {
  const registration = (name: string, options: OnnxEngineOptions) => ({
    name,
    family: 'onnx',
    device: 'cpu' as const,
    module: MODULE_URL,
    factory: 'createOnnxEngine',
    options: { ...options },
    available: onnxRuntimeAvailable,
  });
  return [registration('onnx-cpu', {}), registration('onnx-cpu-int8', { quantize: true })];
}
