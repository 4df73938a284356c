/** One padded batch, row-major `[batchSize, seqLen]`. */
export interface EngineBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  batchSize: number;
  seqLen: number;
}

/** A model ready to run forward passes. `run` resolves once the outputs are computed (read back or synced). */
export interface LoadedModel {
  /** The longest sequence the model accepts. */
  maxLength: number;
  /** True when the directory held a config but no weights, so the weights are random. */
  randomWeights: boolean;
  run(batch: EngineBatch): Promise<void>;
  dispose(): Promise<void>;
}

/** Something that can load a model directory and run it: tfjs on a backend, ONNX Runtime, … */
export interface InferenceEngine {
  name: string;
  load(modelDir: string): Promise<LoadedModel>;
}

/**
 * How the benchmark reaches an engine. Engines are built inside child processes (one per batch-size
 * attempt and per timing run, so an out-of-memory cannot poison the next), so a registration names a
 * module and a factory export rather than holding the engine itself.
 */
export interface EngineRegistration {
  /** Unique, e.g. `tfjs-wasm`, `tfjs-node`, `onnx-cpu`. */
  name: string;
  /** What `--engine <family>` selects, e.g. `tfjs` or `onnx`. */
  family: string;
  /** `gpu` engines get the research's largest-batch search; `cpu` ones the throughput search. */
  device: 'cpu' | 'gpu';
  /** Module specifier (package name or file URL) the child imports. */
  module: string;
  /** Named export of `module`: `(options) => InferenceEngine | Promise<InferenceEngine>`. */
  factory: string;
  /** Passed to the factory in the child process, so it must survive structured cloning (plain data). */
  options?: unknown;
  /** Extra Node flags for the child (e.g. a larger heap). */
  execArgv?: string[];
  /** Whether the engine can run here; a string says why not (e.g. the package is not installed). */
  available(): Promise<true | string>;
}

export type EngineFactory = (options: unknown) => InferenceEngine | Promise<InferenceEngine>;
