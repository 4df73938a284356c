import type { StateDict, WeightTensor } from '@bcmb/modeling';
import { OnnxExportError } from './errors.js';

/**
 * Reads a state dict by `transformers` weight name. Backbone names are asked for without the task model's
 * prefix (`bert.` / `model.`) and found with or without it, so a bare base checkpoint and a task checkpoint
 * both export, as `from_pretrained` loads both.
 */
export class WeightReader {
  constructor(
    private readonly dict: StateDict,
    private readonly backbonePrefix: string,
  ) {}

  private find(name: string, backbone: boolean): WeightTensor | undefined {
    if (!backbone) return this.dict.get(name);
    return this.dict.get(`${this.backbonePrefix}${name}`) ?? this.dict.get(name);
  }

  has(name: string, backbone = true): boolean {
    return this.find(name, backbone) !== undefined;
  }

  /** The tensor, checked against the shape the config implies. */
  get(name: string, shape: readonly number[], backbone = true): Float32Array {
    const tensor = this.find(name, backbone);
    const fullName = backbone ? `${this.backbonePrefix}${name}` : name;
    if (tensor === undefined) {
      throw new OnnxExportError(`the weights have no "${fullName}"`, {
        hint: 'Export a checkpoint of the architecture and task named in config.json',
      });
    }
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new OnnxExportError(
        `"${fullName}" has shape [${tensor.shape.join(', ')}], the config implies [${shape.join(', ')}]`,
        { hint: 'Check that config.json belongs to these weights' },
      );
    }
    return tensor.data;
  }

  /** A torch Linear weight `[out, in]`, transposed to the `[in, out]` right operand of MatMul. */
  linearWeight(name: string, inDim: number, outDim: number, backbone = true): Float32Array {
    return transpose(this.get(name, [outDim, inDim], backbone), outDim, inDim);
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
 * Freshly initialised weights for any name asked for, the way `transformers` initialises a model: norm
 * weights 1, biases 0, everything else Normal(0, 0.02). Seeded, for benchmarks of full-size shapes.
 */
export class RandomWeights extends WeightReader {
  private state: number;

  constructor(seed = 42) {
    super(new Map(), '');
    this.state = seed >>> 0 || 1;
  }

  override has(): boolean {
    return false;
  }

  override get(name: string, shape: readonly number[]): Float32Array {
    const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
    if (/norm\.weight$|LayerNorm\.weight$/i.test(name)) return data.fill(1);
    if (name.endsWith('bias')) return data;
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
