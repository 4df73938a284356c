import { CheckpointFormatError, UnsafePickleError } from './errors.js';

/**
 * A restricted pickle virtual machine. It builds plain values (None → null, int → number or bigint, str, bytes,
 * tuples, lists, dicts as `Map`) and hands every global reference and every call to the caller's `PickleEnvironment`,
 * which decides what exists. It has no way to import or run Python code: a global the environment does not know
 * is an `UnsafePickleError`, raised before anything refers to it.
 */

/** A Python tuple: kept apart from lists so that callers can tell `(a, b)` from `[a, b]`. */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A Python dict, insertion-ordered like `dict`/`OrderedDict`. */
export type PyDict = Map<unknown, unknown>;

/** Callbacks that give the VM its (only) access to the outside world. */
export interface PickleEnvironment {
  /** Returns the object a `module.name` global stands for, or throws `UnsafePickleError`. */
  findGlobal(module: string, name: string): unknown;
  /** `REDUCE`, `NEWOBJ`, `INST`, `OBJ`: calls an object that `findGlobal` returned. */
  call(callable: unknown, args: readonly unknown[]): unknown;
  /** `BUILD`: applies pickled state to an object built by `call`; returns nothing. */
  build(target: unknown, state: unknown): void;
  /** `BINPERSID`/`PERSID`: resolves a persistent id (PyTorch uses them for storages). */
  persistentLoad(pid: unknown): unknown;
}

/** Raised when the bytes end before the pickle's STOP: the file is truncated, or (legacy reader) more must be read. */
export class TruncatedPickleError extends CheckpointFormatError {}

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode, where the next pickle of a multi-pickle file starts. */
  end: number;
}

/** Highest protocol whose opcodes this VM knows (Python 3.8+). */
const HIGHEST_PROTOCOL = 5;

/**
 * Largest LONG1/LONG4 integer payload accepted. A state dict holds small integers only (the legacy magic number
 * is 10 bytes); the cap keeps a hostile integer from costing more than a few milliseconds and a few MB.
 */
export const MAX_LONG_BYTES = 1 << 20;

/** Deepest nesting of tuples, lists and dicts accepted; a state dict nests 3 or 4 levels. */
export const MAX_NESTING = 1000;

export function unpickle(
  bytes: Uint8Array,
  start: number,
  env: PickleEnvironment,
  file: string,
): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;

  const corrupt = (what: string) =>
    new CheckpointFormatError(`${what} at pickle offset ${pos}`, {
      file,
      hint: 'The checkpoint is corrupt or is not a PyTorch state dict; re-save it with save_pretrained',
    });
  const need = (count: number) => {
    if (count < 0 || pos + count > bytes.byteLength) {
      throw new TruncatedPickleError(`pickle data ends at byte ${bytes.byteLength} before its STOP opcode`, {
        file,
        hint: 'The file is truncated; download it again',
      });
    }
  };
  /** Consumes `size` bytes and decodes them with `read` at their start offset. */
  const fixed = <T>(size: number, read: (at: number) => T): T => {
    need(size);
    pos += size;
    return read(pos - size);
  };
  const u8 = () => fixed(1, (at) => bytes[at]!);
  const u16 = () => fixed(2, (at) => view.getUint16(at, true));
  const i32 = () => fixed(4, (at) => view.getInt32(at, true));
  const u32 = () => fixed(4, (at) => view.getUint32(at, true));
  const u64 = () => {
    const value = fixed(8, (at) => view.getBigUint64(at, true));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`length ${value} is too large`);
    return Number(value);
  };
  const take = (length: number) => {
    need(length);
    pos += length;
    return bytes.subarray(pos - length, pos);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) need(bytes.byteLength - pos + 1);
    const text = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const utf8 = (length: number) => {
    const at = pos;
    const raw = take(length);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      pos = at;
      throw corrupt(`a ${length}-byte string is not valid UTF-8`);
    }
  };
  const long = (length: number) => {
    if (length < 0 || length > MAX_LONG_BYTES) {
      throw corrupt(
        `a ${length}-byte integer is larger than the ${MAX_LONG_BYTES} bytes a state dict could need`,
      );
    }
    return littleEndianSigned(take(length));
  };
  // Nesting depth of each container built here, so a deeply nested value is refused before anything walks it.
  const depths = new WeakMap<object, number>();
  const depthOf = (value: unknown): number =>
    typeof value === 'object' && value !== null ? (depths.get(value) ?? 1) : 0;
  const nest = <T extends object>(container: T, items: Iterable<unknown>): T => {
    let depth = depths.get(container) ?? 1;
    for (const item of items) depth = Math.max(depth, depthOf(item) + 1);
    if (depth > MAX_NESTING) throw corrupt(`values are nested more than ${MAX_NESTING} levels deep`);
    depths.set(container, depth);
    return container;
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks.at(-1)!))
      throw corrupt('stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw corrupt('stack underflow');
    return stack.at(-1);
  };
  const popMark = () => {
    const mark = marks.pop();
    if (mark === undefined) throw corrupt('no MARK on the stack');
    return stack.splice(mark);
  };
  const get = (index: number) => {
    if (!memo.has(index)) throw corrupt(`memo entry ${index} is read before it is written`);
    return memo.get(index);
  };
  const dictOf = (target: unknown): PyDict => {
    if (!(target instanceof Map)) throw corrupt('SETITEM(S) on something that is not a dict');
    return target;
  };
  const listOf = (target: unknown): unknown[] => {
    if (!Array.isArray(target)) throw corrupt('APPEND(S) on something that is not a list');
    return target;
  };
  const setItems = (target: PyDict, items: unknown[]) => {
    if (items.length % 2 !== 0) throw corrupt('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };

  for (;;) {
    const opcodeAt = pos;
    const opcode = u8();
    switch (opcode) {
      case 0x80: {
        // PROTO
        const protocol = u8();
        if (protocol > HIGHEST_PROTOCOL)
          throw corrupt(`pickle protocol ${protocol} is newer than ${HIGHEST_PROTOCOL}`);
        break;
      }
      case 0x95: // FRAME: an optimisation hint only
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x8b: // LONG4
        stack.push(long(i32()));
        break;
      case 0x47: // BINFLOAT (big-endian, unlike everything else)
        stack.push(fixed(8, (at) => view.getFloat64(at, false)));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(u64()));
        break;
      case 0x54: // BINSTRING (a Python 2 str)
        stack.push(new TextDecoder('latin1').decode(take(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(new TextDecoder('latin1').decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: {
        // TUPLE
        const items = popMark();
        stack.push(nest(new PyTuple(items), items));
        break;
      }
      case 0x85: {
        // TUPLE1
        const items = [pop()];
        stack.push(nest(new PyTuple(items), items));
        break;
      }
      case 0x86: {
        // TUPLE2
        const b = pop();
        const items = [pop(), b];
        stack.push(nest(new PyTuple(items), items));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const items = [pop(), b, c];
        stack.push(nest(new PyTuple(items), items));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(nest(items, items));
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        nest(listOf(top()), [item]).push(item);
        break;
      }
      case 0x65: {
        // APPENDS: one push per item, since spreading 10^5 arguments overflows the call stack
        const items = popMark();
        const list = nest(listOf(top()), items);
        for (const item of items) list.push(item);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const dict: PyDict = new Map();
        const items = popMark();
        setItems(nest(dict, items), items);
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        nest(dictOf(top()), [key, value]).set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(nest(dictOf(top()), items), items);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(env.findGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw corrupt('STACK_GLOBAL without two strings');
        stack.push(env.findGlobal(module, name));
        break;
      }
      case 0x69: {
        // INST: a global and a call in one opcode
        const module = line();
        const callable = env.findGlobal(module, line());
        stack.push(env.call(callable, popMark()));
        break;
      }
      case 0x6f: {
        // OBJ
        const [callable, ...args] = popMark();
        stack.push(env.call(callable, args));
        break;
      }
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), the same call for the classes an environment allows
        const args = pop();
        const callable = pop();
        if (!(args instanceof PyTuple)) throw corrupt('REDUCE/NEWOBJ arguments are not a tuple');
        stack.push(env.call(callable, args.items));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        env.build(top(), state);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(env.persistentLoad(pop()));
        break;
      case 0x50: // PERSID
        stack.push(env.persistentLoad(line()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(decimalIndex(line(), corrupt), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(get(u32()));
        break;
      case 0x67: // GET
        stack.push(get(decimalIndex(line(), corrupt)));
        break;
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        throw new UnsafePickleError(
          'pickle refers to a global through the copyreg extension registry, which bcmb never resolves',
          { file, hint: 'Only PyTorch state dicts saved with torch.save can be loaded' },
        );
      default:
        pos = opcodeAt;
        throw corrupt(`opcode 0x${opcode.toString(16).padStart(2, '0')} is not used by torch.save`);
    }
  }
}

/**
 * Python's LONG1/LONG4 payload: little-endian two's complement of any length. Decoded through one hex string,
 * which is linear in the length (shifting a growing BigInt byte by byte is quadratic: minutes for 1 MiB).
 */
export function littleEndianSigned(payload: Uint8Array): number | bigint {
  if (payload.length === 0) return 0;
  const reversed = Buffer.from(payload).reverse();
  let value = BigInt(`0x${reversed.toString('hex')}`);
  if (payload[payload.length - 1]! & 0x80) value -= 1n << BigInt(8 * payload.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

function decimalIndex(text: string, corrupt: (what: string) => Error): number {
  if (!/^\d+$/.test(text)) throw corrupt(`memo key ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

/** A short, non-recursive description of an unpickled value for error messages (never walks nested values). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return value.toString().length > 40 ? 'a very large integer' : `${value}`;
  if (value === null) return 'None';
  if (value instanceof PyTuple) return `a ${value.items.length}-tuple`;
  if (Array.isArray(value)) return `a ${value.length}-item list`;
  if (value instanceof Map) return `a ${value.size}-item dict`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return typeof value === 'function' ? 'a function' : 'an object';
}
