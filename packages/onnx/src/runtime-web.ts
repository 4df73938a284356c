import type * as OrtWeb from 'onnxruntime-web';
import { OnnxRuntimeMissingError } from './errors.js';
import type { ExportedModel } from './export.js';
import { serializeModel } from './graph.js';
import { optionalModule } from './optional-module.js';
import { type OutputTensor, type TokenBatch, tokenFeeds } from './token-feeds.js';

type OrtWebModule = typeof OrtWeb;
/**
 * onnxruntime-web's default build (wasm, and WebGPU through JSEP), imported on first use (an
 * optional peer dependency). Its `.wasm` and `.mjs` runtime files are fetched at run time: serve
 * `node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.{wasm,mjs}` and pass their URL prefix as
 * `wasmPaths`.
 */
export const loadOnnxRuntimeWeb = optionalModule<OrtWebModule>(
  'onnxruntime-web',
  () => import('onnxruntime-web'),
);

/** `wasm` (default), `webgpu` (fails where the browser has no WebGPU) or `auto` (WebGPU when present, else wasm). */
export type WebDevice = 'wasm' | 'webgpu' | 'auto';

export interface WebSessionOptions {
  device?: WebDevice;
  /**
   * wasm threads. Default: every core when the page is cross-origin isolated (threads need SharedArrayBuffer),
   * else 1.
   */
  threads?: number;
  /** URL prefix (ending in `/`) where onnxruntime-web's `ort-wasm-simd-threaded.jsep.{wasm,mjs}` are served. */
  wasmPaths?: string;
}

/** The browser globals read here, typed locally: the package compiles without the DOM library. */
const browser = globalThis as {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; gpu?: unknown };
};

function hasWebGpu(): boolean {
  return browser.navigator?.gpu !== undefined;
}

/** An exported model loaded into onnxruntime-web: the browser counterpart of `OnnxSession`. */
export class WebOnnxSession {
  private constructor(
    private readonly ort: OrtWebModule,
    private readonly session: OrtWeb.InferenceSession,
    /** The execution provider that runs the model. */
    readonly device: 'wasm' | 'webgpu',
  ) {}

  /** Loads a model: an export or `.onnx` bytes. */
  static async create(
    model: ExportedModel | Uint8Array,
    options: WebSessionOptions = {},
  ): Promise<WebOnnxSession> {
    const ort = await loadOnnxRuntimeWeb();
    if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
    const cores = browser.navigator?.hardwareConcurrency ?? 1;
    ort.env.wasm.numThreads = options.threads ?? (browser.crossOriginIsolated === true ? cores : 1);
    const bytes = model instanceof Uint8Array ? model : serializeModel(model.proto);
    const device = options.device ?? 'wasm';
    const open = (providers: string[]) =>
      ort.InferenceSession.create(bytes, { executionProviders: providers, graphOptimizationLevel: 'all' });
    if (device === 'webgpu' || (device === 'auto' && hasWebGpu())) {
      try {
        return new WebOnnxSession(ort, await open(['webgpu', 'wasm']), 'webgpu');
      } catch (error) {
        if (device === 'webgpu') {
          throw new OnnxRuntimeMissingError('the WebGPU execution provider of onnxruntime-web cannot start', {
            cause: error,
            hint: 'Use a browser with WebGPU enabled, or device "wasm"',
          });
        }
      }
    }
    try {
      return new WebOnnxSession(ort, await open(['wasm']), 'wasm');
    } catch (error) {
      throw new OnnxRuntimeMissingError('onnxruntime-web cannot create a wasm session', {
        cause: error,
        hint: 'Check that wasmPaths points at the served ort-wasm-simd-threaded.jsep.wasm and .mjs files',
      });
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs one padded batch; returns every graph output by name. */
  async run(batch: TokenBatch): Promise<Record<string, OutputTensor>> {
    const feeds = tokenFeeds(
      (data, dims) => new this.ort.Tensor('int64', data, dims),
      this.session.inputNames,
      batch,
    );
    const results = await this.session.run(feeds);
    const outputs: Record<string, OutputTensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData(true);
      outputs[name] = { dims: [...tensor.dims], data: data as Float32Array };
    }
    return outputs;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
