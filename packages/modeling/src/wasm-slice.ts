import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's backend object this kernel uses. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let installed = false;

/**
 * tfjs-backend-wasm 4.22's Slice reads its input through `readSync`, which copies the WHOLE input tensor out of
 * the wasm heap on every call, so taking k small blocks of a large tensor costs k full copies (attention's
 * per-head blocks: seconds per layer). This re-registers Slice for wasm with the same semantics, reading the
 * input through a heap view instead; string tensors go to the original kernel.
 */
export function installWasmSliceKernel(): void {
  if (installed) return;
  const original = tf.getKernel(tf.Slice, 'wasm');
  if (!original) return;
  installed = true;
  tf.unregisterKernel(tf.Slice, 'wasm');
  tf.registerKernel({
    kernelName: tf.Slice,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, attrs } = args;
      const x = inputs['x'] as tf.TensorInfo;
      const backend = args.backend as unknown as WasmBackendLike;
      const { begin, size } = attrs as unknown as { begin: number[]; size: number[] };
      if (x.dtype === 'string') return original.kernelFunc(args);
      const [start, extent] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size) as [
        number[],
        number[],
      ];
      const out = backend.makeOutput(extent, x.dtype);
      // Views are taken after makeOutput, which may grow (and so detach) the heap.
      const source = backend.typedArrayFromHeap(x);
      const target = backend.typedArrayFromHeap(out);
      copyBlock(source, tf.util.computeStrides(x.shape), x.shape.length, target, start, extent);
      return out;
    },
  });
}

/** Copies the block `start`/`extent` of a row-major tensor, one innermost run at a time. */
function copyBlock(
  source: Float32Array | Int32Array | Uint8Array,
  strides: number[],
  rank: number,
  target: Float32Array | Int32Array | Uint8Array,
  start: number[],
  extent: number[],
): void {
  if (rank === 0) {
    target[0] = source[0]!;
    return;
  }
  const inner = extent[rank - 1]!;
  const outer = extent.slice(0, rank - 1);
  const count = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(rank - 1).fill(0);
  for (let run = 0; run < count; run++) {
    let offset = start[rank - 1]!;
    for (let axis = 0; axis < rank - 1; axis++) offset += (start[axis]! + index[axis]!) * strides[axis]!;
    target.set(source.subarray(offset, offset + inner), run * inner);
    for (let axis = rank - 2; axis >= 0; axis--) {
      if (++index[axis]! < outer[axis]!) break;
      index[axis] = 0;
    }
  }
}
