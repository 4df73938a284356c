import { builtinEngines } from './builtin-engines.js';
import { EngineUnavailableError } from './errors.js';

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

let registry: Map<string, EngineRegistration> | undefined;

/** The registry, filled with the built-in engines on first use (so importing the package has no side effects). */
function engines(): Map<string, EngineRegistration> {
  registry ??= new Map(builtinEngines().map((registration) => [registration.name, registration]));
  return registry;
}

/** Adds an engine (or replaces one of the same name). Registration order is preference order within a family. */
export function registerEngine(registration: EngineRegistration): void {
  engines().set(registration.name, registration);
}

export function registeredEngines(): EngineRegistration[] {
  return [...engines().values()];
}

/**
 * Turns `--engine` values into engines that can run here: an engine name selects that engine, a family
 * name the first available engine of the family (its active backend), and `all` every available engine.
 */
export async function selectEngines(selectors: readonly string[]): Promise<EngineRegistration[]> {
  const selected = new Map<string, EngineRegistration>();
  for (const selector of selectors) {
    for (const registration of await resolveSelector(selector)) selected.set(registration.name, registration);
  }
  return [...selected.values()];
}

async function resolveSelector(selector: string): Promise<EngineRegistration[]> {
  const all = registeredEngines();
  if (selector === 'all') {
    const available = [];
    for (const registration of all)
      if ((await registration.available()) === true) available.push(registration);
    if (available.length === 0) throw new EngineUnavailableError('No inference engine is installed');
    return available;
  }
  const byName = engines().get(selector);
  if (byName !== undefined) {
    const status = await byName.available();
    if (status !== true) throw new EngineUnavailableError(`Engine ${selector} is not available: ${status}`);
    return [byName];
  }
  const family = all.filter((registration) => registration.family === selector);
  if (family.length === 0) {
    const known = [...new Set(all.flatMap((registration) => [registration.family, registration.name]))];
    throw new EngineUnavailableError(`Unknown engine "${selector}"`, {
      hint: `Choose from all, ${known.join(', ')}`,
    });
  }
  const reasons: string[] = [];
  for (const registration of family) {
    const status = await registration.available();
    if (status === true) return [registration];
    reasons.push(`${registration.name}: ${status}`);
  }
  throw new EngineUnavailableError(`No ${selector} engine is installed (${reasons.join('; ')})`);
}
