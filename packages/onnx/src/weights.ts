import type { ParameterSpec, StateDict, WeightTensor } from '@bcmb/architectures';
import { OnnxExportError } from './errors.js';

/** Where an engine's graph builder gets each parameter, by full `transformers` name, in PyTorch layout. */
export interface ParameterValues {
  get(name: string): Float32Array;
  /** PyTorch shape, from the family's parameter list. */
  shape(name: string): number[];
  role(name: string): ParameterSpec['role'];
}

/** The family's parameter list by name, for `shape` and `role`. */
export class ParameterList {
  private readonly specs: Map<string, ParameterSpec>;

  constructor(parameters: readonly ParameterSpec[]) {
    this.specs = new Map(parameters.map((spec) => [spec.name, spec]));
  }

  shape(name: string): number[] {
    return this.spec(name).shape;
  }

  role(name: string): ParameterSpec['role'] {
    return this.spec(name).role;
  }

  spec(name: string): ParameterSpec {
    const spec = this.specs.get(name);
    if (!spec) throw new OnnxExportError(`the model has no parameter "${name}"`);
    return spec;
  }
}

/**
 * Reads a state dict by full `transformers` weight name, checked against the shapes the family's parameter list
 * gives. The backbone prefix is reconciled as `from_pretrained` does, so a bare base checkpoint exports as a task
 * model's backbone and a task checkpoint as a base model.
 */
export class StateDictValues extends ParameterList implements ParameterValues {
  constructor(
    private readonly dict: StateDict,
    parameters: readonly ParameterSpec[],
    private readonly familyPrefix: string,
    /** Values for parameters the checkpoint lacks (transformers initialises BERT's pooler so); else an error. */
    private readonly missing?: (name: string) => Float32Array | undefined,
  ) {
    super(parameters);
  }

  private find(name: string): WeightTensor | undefined {
    const exact = this.dict.get(name);
    if (exact) return exact;
    if (name.startsWith(this.familyPrefix)) return this.dict.get(name.slice(this.familyPrefix.length));
    return this.dict.get(`${this.familyPrefix}${name}`);
  }

  get(name: string): Float32Array {
    const tensor = this.find(name);
    if (tensor === undefined) {
      const fresh = this.missing?.(name);
      if (fresh !== undefined) return fresh;
      throw new OnnxExportError(`the weights have no "${name}"`, {
        hint: 'Export a checkpoint of the architecture and task named in config.json',
      });
    }
    const shape = this.shape(name);
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new OnnxExportError(
        `"${name}" has shape [${tensor.shape.join(', ')}], the config implies [${shape.join(', ')}]`,
        { hint: 'Check that config.json belongs to these weights' },
      );
    }
    return tensor.data;
  }
}

/** Row-major `[rows, cols]` → `[cols, rows]`. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c] as number;
  }
  return out;
}

/** Standard deviation of transformers' `initializer_range` default, used for random weights. */
const RANDOM_INIT_STD = 0.02;

/**
 * Freshly initialised weights for every parameter of a family's list, the way `transformers` initialises a
 * model: norm weights 1, biases 0, everything else Normal(0, 0.02). Seeded, for benchmarks of full-size shapes.
 */
export class RandomValues extends ParameterList implements ParameterValues {
  private state: number;

  constructor(parameters: readonly ParameterSpec[], seed = 42) {
    super(parameters);
    this.state = seed >>> 0 || 1;
  }

  get(name: string): Float32Array {
    const spec = this.spec(name);
    const data = new Float32Array(spec.shape.reduce((n, d) => n * d, 1));
    if (spec.init.kind === 'ones') return data.fill(1);
    if (spec.init.kind === 'zeros') return data;
    for (let i = 0; i < data.length; i += 2) {
      // Box-Muller on a xorshift32 stream.
      const u = (this.next() + 1) / 4294967297;
      const v = this.next() / 4294967296;
      const r = RANDOM_INIT_STD * Math.sqrt(-2 * Math.log(u));
      data[i] = r * Math.cos(2 * Math.PI * v);
      if (i + 1 < data.length) data[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    return data;
  }

  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
}
