import { DTYPE_BYTES, elementReader, toFloat32 } from './dtype.js';
import { CheckpointFormatError, UnsafePickleError } from './errors.js';
import { describeValue, type PickleEnvironment, PyTuple, unpickle } from './pickle.js';
import { elementCount, type SafetensorsDType, type StateDict, type WeightTensor } from './state-dict.js';

/** The storage classes `torch.save` names in persistent ids, and the element type each holds. */
const STORAGE_DTYPES: Readonly<Record<string, SafetensorsDType>> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** A storage class named in the pickle, e.g. `torch.FloatStorage`. */
class StorageType {
  constructor(readonly dtype: SafetensorsDType) {}
}

/** A storage as the pickle announces it; its bytes live elsewhere (a zip entry, or after the pickle in legacy files). */
export interface StorageRef {
  key: string;
  dtype: SafetensorsDType;
  /** Element count claimed by the persistent id. */
  numel: number;
  /** Legacy format only: this storage is a slice [offset, offset + numel) of storage `viewOf`. */
  viewOf?: { key: string; offset: number };
}

/** What `_rebuild_tensor_v2` describes: a strided view of a storage. */
export interface TensorRef {
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

/** The callables of the allow-list. Nothing else can be called, so nothing else can run. */
type AllowedCall = (args: readonly unknown[]) => unknown;

/**
 * Unpickles a PyTorch state dict (the `data.pkl` of a zip checkpoint, or the main pickle of a legacy one).
 * Globals are limited to what `torch.save(model.state_dict())` writes; anything else is an `UnsafePickleError`.
 */
export function unpickleStateDict(
  bytes: Uint8Array,
  start: number,
  file: string,
  storageFromPid: (pid: readonly unknown[]) => StorageRef,
): { refs: Map<string, TensorRef>; end: number } {
  const { value, end } = unpickle(bytes, start, torchEnvironment(file, storageFromPid), file);
  if (!(value instanceof Map)) {
    throw new CheckpointFormatError('the checkpoint pickle holds no dict of tensors', {
      file,
      hint: 'Expected torch.save(model.state_dict()); extract the state dict in Python and save it alone',
    });
  }
  const refs = new Map<string, TensorRef>();
  for (const [name, tensor] of value) {
    if (typeof name !== 'string' || !isTensorRef(tensor)) {
      throw new CheckpointFormatError(`state dict entry ${describeValue(name)} is not a tensor`, {
        file,
        hint: 'Expected torch.save(model.state_dict()) with tensor values only',
      });
    }
    refs.set(name, tensor);
  }
  return { refs, end };
}

/** A pickle environment that knows only the classes and functions `torch.save` uses for a state dict. */
export function torchEnvironment(
  file: string,
  storageFromPid: (pid: readonly unknown[]) => StorageRef,
): PickleEnvironment {
  const corrupt = (what: string) =>
    new CheckpointFormatError(what, {
      file,
      hint: 'The checkpoint is corrupt or was not written by torch.save',
    });
  const rebuildTensor: AllowedCall = ([storage, offset, size, stride]) => {
    if (!isStorageRef(storage) || !isIndex(offset) || !isIndexTuple(size) || !isIndexTuple(stride)) {
      throw corrupt('_rebuild_tensor_v2 called with arguments that are not (storage, offset, size, stride)');
    }
    if (size.items.length !== stride.items.length)
      throw corrupt('tensor size and stride have different lengths');
    return { storage, offset, size: [...size.items], stride: [...stride.items] } satisfies TensorRef;
  };
  const rebuildParameter: AllowedCall = ([data]) => {
    if (!isTensorRef(data)) throw corrupt('_rebuild_parameter called without a tensor');
    return data;
  };
  const calls: Record<string, AllowedCall> = {
    'collections.OrderedDict': (args) => new Map(args.length === 0 ? [] : pairsOf(args[0], corrupt)),
    'torch._utils._rebuild_tensor': rebuildTensor,
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    'torch._utils._rebuild_parameter': rebuildParameter,
    'torch._utils._rebuild_parameter_with_state': rebuildParameter,
  };
  const callables = new Map<string, AllowedCall>(Object.entries(calls));
  return {
    findGlobal(module, name) {
      const qualified = `${module}.${name}`;
      const call = callables.get(qualified);
      if (call !== undefined) return call;
      if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name))
        return new StorageType(STORAGE_DTYPES[name]!);
      if (module === 'torch' && name.endsWith('Storage')) {
        throw new CheckpointFormatError(`checkpoint holds a ${qualified}, a dtype bcmb does not read`, {
          file,
          hint: `Supported storages: ${Object.keys(STORAGE_DTYPES).join(', ')}`,
        });
      }
      throw new UnsafePickleError(
        `checkpoint pickle refers to ${qualified}, which is not on the state-dict allow-list`,
        {
          file,
          hint: 'Nothing was executed. Load only checkpoints from sources you trust, or convert them to safetensors',
        },
      );
    },
    call(callable, args) {
      if (typeof callable !== 'function')
        throw corrupt('pickle calls something that is not an allowed function');
      return (callable as AllowedCall)(args);
    },
    build(target, state) {
      // OrderedDict state carries `_metadata` (module versions), which loading does not need.
      if (!(target instanceof Map) || !(state instanceof Map || state === null)) {
        throw corrupt('pickle BUILD applies state to something other than an OrderedDict');
      }
    },
    persistentLoad(pid) {
      if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') {
        throw corrupt('persistent id is not a ("storage", ...) tuple');
      }
      return storageFromPid(pid.items);
    },
  };
}

/** The storage fields both formats share: ('storage', storage_type, key, location, numel, ...). */
export function parseStoragePid(pid: readonly unknown[], file: string): StorageRef {
  const [, type, key, , numel] = pid;
  if (!(type instanceof StorageType) || typeof key !== 'string' || !isIndex(numel)) {
    throw new CheckpointFormatError('storage persistent id is not ("storage", type, key, location, numel)', {
      file,
      hint: 'The checkpoint is corrupt or was not written by torch.save',
    });
  }
  return { key, dtype: type.dtype, numel };
}

/**
 * Turns tensor descriptions into float32 weights, honouring offset and strides. A contiguous float32 tensor is a
 * view of its storage (no copy), so tied weights share memory as they do in PyTorch; anything else is gathered into
 * a fresh array.
 */
export function materializeTensors(
  refs: Map<string, TensorRef>,
  storageBytes: (storage: StorageRef) => Uint8Array,
  file: string,
): StateDict {
  const dict: StateDict = new Map();
  for (const [name, ref] of refs)
    dict.set(name, materializeTensor(name, ref, storageBytes(ref.storage), file));
  return dict;
}

function materializeTensor(name: string, ref: TensorRef, bytes: Uint8Array, file: string): WeightTensor {
  const { storage, offset, size, stride } = ref;
  const elementBytes = DTYPE_BYTES[storage.dtype];
  const storageElements = Math.floor(bytes.byteLength / elementBytes);
  const count = elementCount(size);
  const lastIndex = size.reduce((last, dim, axis) => last + (dim - 1) * stride[axis]!, offset);
  // Stride-0 (expanded) views could claim far more elements than the file holds; weights never need them.
  if (count > storageElements) {
    throw new CheckpointFormatError(
      `tensor "${name}" has ${count} elements but its storage only ${storageElements} (an expanded view)`,
      {
        file,
        hint: 'Save a contiguous copy of the weights (tensor.contiguous()) instead of a broadcast view',
      },
    );
  }
  if (count > 0 && lastIndex >= storageElements) {
    throw new CheckpointFormatError(
      `tensor "${name}" reads element ${lastIndex} of a ${storageElements}-element storage`,
      { file, hint: 'The checkpoint is corrupt; download it again' },
    );
  }
  const shape = [...size];
  // An empty tensor reads nothing, wherever its offset points (torch accepts any offset for it).
  if (count === 0) return { shape, data: new Float32Array(0) };
  if (isContiguous(size, stride)) {
    const byteOffset = bytes.byteOffset + offset * elementBytes;
    if (storage.dtype === 'F32' && byteOffset % 4 === 0) {
      return { shape, data: new Float32Array(bytes.buffer, byteOffset, count) };
    }
    return { shape, data: toFloat32(storage.dtype, bytes.subarray(offset * elementBytes), count) };
  }
  const read = elementReader(storage.dtype, bytes);
  const data = new Float32Array(count);
  const index = new Array<number>(size.length).fill(0);
  let source = offset;
  for (let i = 0; i < count; i++) {
    data[i] = read(source);
    // Odometer over the indices, last axis fastest, keeping `source` = offset + Σ index·stride.
    for (let axis = size.length - 1; axis >= 0; axis--) {
      if (++index[axis]! < size[axis]!) {
        source += stride[axis]!;
        break;
      }
      source -= (size[axis]! - 1) * stride[axis]!;
      index[axis] = 0;
    }
  }
  return { shape, data };
}

/** Row-major with no gaps; dimensions of size 1 may carry any stride, as in PyTorch. */
function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let axis = size.length - 1; axis >= 0; axis--) {
    if (size[axis] !== 1 && stride[axis] !== expected) return false;
    expected *= size[axis]!;
  }
  return true;
}

function pairsOf(items: unknown, corrupt: (what: string) => Error): [unknown, unknown][] {
  const list = items instanceof PyTuple ? items.items : items;
  if (!Array.isArray(list)) throw corrupt('OrderedDict called with something other than a list of pairs');
  return list.map((pair) => {
    const entries = pair instanceof PyTuple ? pair.items : pair;
    if (!Array.isArray(entries) || entries.length !== 2) throw corrupt('OrderedDict item is not a pair');
    return [entries[0], entries[1]];
  });
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isIndexTuple(value: unknown): value is PyTuple & { items: number[] } {
  return value instanceof PyTuple && value.items.every(isIndex);
}

function isStorageRef(value: unknown): value is StorageRef {
  return (
    typeof value === 'object' && value !== null && 'key' in value && 'dtype' in value && 'numel' in value
  );
}

function isTensorRef(value: unknown): value is TensorRef {
  return typeof value === 'object' && value !== null && 'storage' in value && 'stride' in value;
}
