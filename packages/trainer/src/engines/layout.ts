import type { StateDict } from '@bcmb/architectures';
import type { EncoderModel } from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../errors.js';

/**
 * tfjs keeps linear kernels as `[in, out]`; checkpoints (model.safetensors, optimizer.safetensors) hold PyTorch's
 * `[out, in]`. A 2-D transpose of a row-major array.
 */
export function transpose2d(data: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const row = r * columns;
    for (let c = 0; c < columns; c++) out[c * rows + r] = data[row + c]!;
  }
  return out;
}

/** A parameter's shape in PyTorch layout (what checkpoints hold). */
export function pytorchShape(model: EncoderModel, name: string): number[] {
  const shape = [...model.params.variables.get(name)!.shape];
  return model.params.transposed.has(name) ? shape.reverse() : shape;
}

/** Copies Hugging Face-named weights (PyTorch layout) into the model's variables; every variable must be there. */
export function assignWeights(model: EncoderModel, dict: StateDict, file: string): void {
  const { params } = model;
  for (const [name, variable] of params.variables) {
    const weight = dict.get(name);
    if (!weight) throw new CheckpointError(`checkpoint has no weight ${name}`, { file });
    tf.tidy(() => {
      const value = tf.tensor(weight.data, weight.shape, 'float32');
      variable.assign(params.transposed.has(name) ? tf.transpose(value) : value);
    });
  }
}
