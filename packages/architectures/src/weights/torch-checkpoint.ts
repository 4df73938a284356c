import { open } from 'node:fs/promises';
import { DTYPE_BYTES } from './dtype.js';
import { CheckpointFormatError } from './errors.js';
import { assertLittleEndianHost, readExactly } from './file-io.js';
import { describeValue, TruncatedPickleError, unpickle } from './pickle.js';
import type { StateDict } from './state-dict.js';
import {
  materializeTensors,
  parseStoragePid,
  type StorageRef,
  type TensorRef,
  torchEnvironment,
  unpickleStateDict,
} from './torch-pickle.js';
import { ZipArchive } from './zip.js';

/** First bytes of a zip local file header; `torch.load` tells the two formats apart the same way. */
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** `torch.serialization.MAGIC_NUMBER` and `PROTOCOL_VERSION`, the first two pickles of a legacy file. */
const LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;

/** The legacy pickles are read from a prefix of the file that doubles until they parse; this is where it starts. */
const LEGACY_FIRST_PREFIX_BYTES = 1 << 20;

/**
 * A state-dict pickle holds names and shapes only (≈ 30 KB for BERT-base, a few MB for the largest models), so a
 * larger `data.pkl` is refused before it is read or inflated.
 */
const MAX_STATE_DICT_PICKLE_BYTES = 256 << 20;

/**
 * Reads a `pytorch_model.bin` written by `torch.save(state_dict)`: the zip format (torch ≥ 1.6) or the legacy
 * pickle-then-storages format. Never executes anything from the file (see `UnsafePickleError`).
 */
export async function readTorchCheckpoint(path: string): Promise<StateDict> {
  return (await readTorchCheckpointWithFormat(path)).stateDict;
}

/** `readTorchCheckpoint`, also telling which of the two layouts the file uses. */
export async function readTorchCheckpointWithFormat(
  path: string,
): Promise<{ stateDict: StateDict; format: 'pytorch-zip' | 'pytorch-legacy' }> {
  assertLittleEndianHost();
  const handle = await open(path, 'r');
  let isZip: boolean;
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    isZip = bytesRead === 4 && ZIP_MAGIC.every((byte, i) => head[i] === byte);
    if (!isZip) return { stateDict: await readLegacy(handle, path), format: 'pytorch-legacy' };
  } finally {
    await handle.close();
  }
  return { stateDict: await readZip(path), format: 'pytorch-zip' };
}

async function readZip(path: string): Promise<StateDict> {
  const archive = await ZipArchive.open(path);
  try {
    const prefix = archivePrefix(archive, path);
    const byteorder = archive.entries.has(`${prefix}byteorder`)
      ? await archive.read(`${prefix}byteorder`, { maxSize: 16 })
      : undefined;
    if (byteorder !== undefined && new TextDecoder().decode(byteorder) !== 'little') {
      throw new CheckpointFormatError('checkpoint was saved big-endian, which bcmb does not read', {
        file: path,
      });
    }
    const pickle = await archive.read(`${prefix}data.pkl`, { maxSize: MAX_STATE_DICT_PICKLE_BYTES });
    const { refs } = unpickleStateDict(pickle, 0, path, (pid) => parseStoragePid(pid, path));
    const storages = new Map<string, Uint8Array>();
    for (const storage of uniqueStorages(refs)) {
      // Each storage is read at exactly the size the pickle announces: a larger or smaller entry is refused
      // before anything is allocated or inflated, so a small file cannot make bcmb hold more than it declares.
      const expectedSize = storage.numel * DTYPE_BYTES[storage.dtype];
      storages.set(storage.key, await archive.read(`${prefix}data/${storage.key}`, { expectedSize }));
    }
    return materializeTensors(refs, (storage) => storages.get(storage.key)!, path);
  } finally {
    await archive.close();
  }
}

/** torch names the top folder after the file stem (`pytorch_model/`, `archive/`…), so it is found, not assumed. */
function archivePrefix(archive: ZipArchive, path: string): string {
  const pickles = [...archive.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) {
    throw new CheckpointFormatError(
      `zip checkpoint should hold exactly one <folder>/data.pkl, found ${pickles.length}`,
      { file: path, hint: 'This zip was not written by torch.save' },
    );
  }
  return pickles[0]!.slice(0, -'data.pkl'.length);
}

function uniqueStorages(refs: Map<string, TensorRef>): StorageRef[] {
  const byKey = new Map<string, StorageRef>();
  for (const { storage } of refs.values()) if (!byKey.has(storage.key)) byKey.set(storage.key, storage);
  return [...byKey.values()];
}

/**
 * Legacy layout (`_use_new_zipfile_serialization=False`): pickles of the magic number, protocol version, sys info,
 * the state dict, and the list of storage keys; then each storage in that list's order as a little-endian u64
 * element count followed by raw data. Storages are read one by one straight into their own buffers.
 */
async function readLegacy(handle: import('node:fs/promises').FileHandle, path: string): Promise<StateDict> {
  const { size } = await handle.stat();
  const roots = new Map<string, StorageRef>();
  const storageFromPid = (pid: readonly unknown[]): StorageRef => {
    const storage = parseStoragePid(pid, path);
    if (!roots.has(storage.key)) roots.set(storage.key, storage);
    const view = pid[5];
    if (view === null || view === undefined) return roots.get(storage.key)!;
    const [viewKey, offset, viewSize] = (view as { items?: unknown[] }).items ?? [];
    if (
      typeof viewKey !== 'string' ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(viewSize) ||
      (offset as number) < 0 ||
      (viewSize as number) < 0 ||
      (offset as number) + (viewSize as number) > storage.numel
    ) {
      throw new CheckpointFormatError(
        'legacy storage view metadata is not (key, offset, size) within its storage',
        { file: path, hint: 'The checkpoint is corrupt or was not written by torch.save' },
      );
    }
    return {
      key: viewKey,
      dtype: storage.dtype,
      numel: viewSize as number,
      viewOf: { key: storage.key, offset: offset as number },
    };
  };
  const { refs, keys, dataStart } = await parseLegacyPickles(handle, size, path, storageFromPid);

  const storages = new Map<string, Uint8Array>();
  let position = dataStart;
  for (const key of keys) {
    const root = roots.get(key);
    if (root === undefined) {
      throw new CheckpointFormatError(`legacy storage key "${key}" is not used by any tensor`, {
        file: path,
      });
    }
    const countBytes = new Uint8Array(8);
    await readExactly(handle, countBytes, position, path);
    const count = Number(new DataView(countBytes.buffer).getBigUint64(0, true));
    const byteLength = count * DTYPE_BYTES[root.dtype];
    if (count !== root.numel || position + 8 + byteLength > size) {
      throw new CheckpointFormatError(
        `legacy storage "${key}" declares ${count} elements where ${root.numel} were announced, or runs past the end`,
        { file: path, hint: 'The checkpoint is truncated or corrupt; download it again' },
      );
    }
    const bytes = new Uint8Array(byteLength);
    await readExactly(handle, bytes, position + 8, path);
    storages.set(key, bytes);
    position += 8 + byteLength;
  }
  const bytesOf = (storage: StorageRef): Uint8Array => {
    const root = storages.get(storage.viewOf?.key ?? storage.key);
    if (root === undefined) {
      throw new CheckpointFormatError(`storage "${storage.key}" is missing from the legacy data section`, {
        file: path,
        hint: 'The checkpoint is truncated or corrupt; download it again',
      });
    }
    if (storage.viewOf === undefined) return root;
    const elementBytes = DTYPE_BYTES[storage.dtype];
    return root.subarray(
      storage.viewOf.offset * elementBytes,
      (storage.viewOf.offset + storage.numel) * elementBytes,
    );
  };
  return materializeTensors(refs, bytesOf, path);
}

async function parseLegacyPickles(
  handle: import('node:fs/promises').FileHandle,
  size: number,
  path: string,
  storageFromPid: (pid: readonly unknown[]) => StorageRef,
): Promise<{ refs: Map<string, TensorRef>; keys: string[]; dataStart: number }> {
  for (
    let prefixBytes = Math.min(size, LEGACY_FIRST_PREFIX_BYTES);
    ;
    prefixBytes = Math.min(size, prefixBytes * 2)
  ) {
    const prefix = new Uint8Array(prefixBytes);
    await readExactly(handle, prefix, 0, path);
    try {
      return parseLegacyPrefix(prefix, path, storageFromPid);
    } catch (error) {
      if (!(error instanceof TruncatedPickleError) || prefixBytes === size) throw error;
    }
  }
}

function parseLegacyPrefix(
  bytes: Uint8Array,
  path: string,
  storageFromPid: (pid: readonly unknown[]) => StorageRef,
): { refs: Map<string, TensorRef>; keys: string[]; dataStart: number } {
  const notTorch = (what: string) =>
    new CheckpointFormatError(what, {
      file: path,
      hint: 'Expected a file written by torch.save (zip, or legacy with _use_new_zipfile_serialization=False)',
    });
  const plain = torchEnvironment(path, () => {
    throw notTorch('legacy header pickle has a persistent id');
  });
  const magic = unpickle(bytes, 0, plain, path);
  if (magic.value !== LEGACY_MAGIC_NUMBER)
    throw notTorch('file is neither a zip nor a legacy torch.save pickle');
  const protocol = unpickle(bytes, magic.end, plain, path);
  if (protocol.value !== LEGACY_PROTOCOL_VERSION) {
    throw notTorch(
      `legacy checkpoint protocol ${describeValue(protocol.value)} is not ${LEGACY_PROTOCOL_VERSION}`,
    );
  }
  const sysInfo = unpickle(bytes, protocol.end, plain, path);
  if (!(sysInfo.value instanceof Map) || sysInfo.value.get('little_endian') !== true) {
    throw notTorch('legacy checkpoint was not saved on a little-endian machine');
  }
  const stateDict = unpickleStateDict(bytes, sysInfo.end, path, storageFromPid);
  const keys = unpickle(bytes, stateDict.end, plain, path);
  if (!Array.isArray(keys.value) || !keys.value.every((key) => typeof key === 'string')) {
    throw notTorch('legacy storage key list is not a list of strings');
  }
  return { refs: stateDict.refs, keys: keys.value, dataStart: keys.end };
}
