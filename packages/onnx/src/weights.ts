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
