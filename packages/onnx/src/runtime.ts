import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { OnnxRuntimeMissingError } from './errors.js';
import type { ExportedModel } from './export.js';
import { serializeModel } from './graph.js';
import { optionalModule } from './optional-module.js';
import { type OutputTensor, type TokenBatch, tokenFeeds } from './token-feeds.js';

type OrtModule = typeof Ort;
/** onnxruntime-node, imported on first use: it is an optional peer dependency. */
export const loadOnnxRuntime = optionalModule<OrtModule>(
  'onnxruntime-node',
  () => import('onnxruntime-node'),
);

/** Whether onnxruntime-node loads here; a string says why not. */
export async function onnxRuntimeAvailable(): Promise<true | string> {
  try {
    await loadOnnxRuntime();
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export type Device = 'cpu' | 'cuda' | 'auto';

/** The library onnxruntime-node's install script adds for CUDA (absent from the npm tarball). */
function cudaProviderLibrary(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const file =
    process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return join(packageDir, 'bin', 'napi-v6', process.platform, process.arch, file);
}

/**
 * The typed error for a CUDA provider that cannot load: what is missing (CUDA 12, cuDNN 9, onnxruntime-node's
 * CUDA binaries) and how to install it.
 */
export function cudaUnavailableError(detail: string, cause?: unknown): OnnxRuntimeMissingError {
  return new OnnxRuntimeMissingError(
    `ONNX Runtime's CUDA execution provider cannot load: ${detail}. It needs the CUDA 12 and cuDNN 9 libraries and onnxruntime-node's CUDA binaries (libonnxruntime_providers_cuda)`,
    {
      ...(cause === undefined ? {} : { cause }),
      hint: 'Install CUDA 12 + cuDNN 9 (on LD_LIBRARY_PATH), then fetch the CUDA binaries with `ONNXRUNTIME_NODE_INSTALL_CUDA=true npm rebuild onnxruntime-node`; or use device cpu',
    },
  );
}

/** Throws `cudaUnavailableError` when onnxruntime-node's CUDA provider library is not installed (checked without ORT). */
export function assertCudaProviderInstalled(): void {
  let library: string;
  try {
    library = cudaProviderLibrary();
  } catch (error) {
    throw cudaUnavailableError('onnxruntime-node is not installed', error);
  }
  if (!existsSync(library)) throw cudaUnavailableError(`${library} is missing`);
}

export interface SessionOptions {
  /** `cpu` (default), `cuda` (fails if the CUDA provider is missing) or `auto` (CUDA when it loads, else CPU). */
  device?: Device;
  /** Intra-op threads; default: every core. */
  threads?: number;
  /**
   * Let idle worker threads spin for the next task (ORT's default: lowest latency on a machine of one's own).
   * Turn off on a shared machine, where spinning burns the cores others need.
   */
  spinning?: boolean;
}

export type { OutputTensor, TokenBatch } from './token-feeds.js';

function sessionOptions(
  ort: OrtModule,
  providers: string[],
  threads: number,
  spinning: boolean,
): Ort.InferenceSession.SessionOptions {
  const spin = spinning ? '1' : '0';
  return {
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    logSeverityLevel: ort.env.logLevel === 'verbose' ? 0 : 3,
  };
}

/** An exported model loaded into ONNX Runtime, tuned for throughput. */
export class OnnxSession {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    /** The execution provider that runs the model (`cpu` or `cuda`). */
    readonly device: 'cpu' | 'cuda',
  ) {}

  /** Loads a model: an export, `.onnx` bytes, or a `.onnx` file path. */
  static async create(
    model: ExportedModel | Uint8Array | string,
    options: SessionOptions = {},
  ): Promise<OnnxSession> {
    const ort = await loadOnnxRuntime();
    const source =
      typeof model === 'string' || model instanceof Uint8Array ? model : serializeModel(model.proto);
    const threads = options.threads ?? availableParallelism();
    const device = options.device ?? 'cpu';
    const open = (providers: string[]) =>
      typeof source === 'string'
        ? ort.InferenceSession.create(
            source,
            sessionOptions(ort, providers, threads, options.spinning ?? true),
          )
        : ort.InferenceSession.create(
            source,
            sessionOptions(ort, providers, threads, options.spinning ?? true),
          );
    if (device === 'cuda') assertCudaProviderInstalled();
    if (device !== 'cpu') {
      try {
        if (device === 'auto') assertCudaProviderInstalled();
        return new OnnxSession(ort, await open(['cuda', 'cpu']), 'cuda');
      } catch (error) {
        if (device === 'cuda') throw cudaUnavailableError('session creation failed', error);
      }
    }
    return new OnnxSession(ort, await open(['cpu']), 'cpu');
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
      outputs[name] = { dims: [...tensor.dims], data: tensor.data as Float32Array };
    }
    return outputs;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
