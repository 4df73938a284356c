import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, UnsafePickleError } from './errors.js';
import { type PickleEnvironment, PyTuple, TruncatedPickleError, unpickle } from './pickle.js';
import { PickleWriter } from './test-support.js';

/** An environment that allows nothing: enough for pickles of plain values. */
const noGlobals: PickleEnvironment = {
  findGlobal: (module, name) => {
    throw new UnsafePickleError(`${module}.${name}`);
  },
  call: () => {
    throw new Error('unreachable');
  },
  build: () => undefined,
  persistentLoad: () => {
    throw new Error('unreachable');
  },
};

const run = (bytes: Uint8Array) => unpickle(bytes, 0, noGlobals, 'test.pkl').value;

describe('the restricted pickle VM', () => {
  it('decodes the plain values of protocol 2 (ints, LONG1, floats, strings, tuples, lists, dicts, memo)', () => {
    const pickle = new PickleWriter().proto().emptyDict().op(0x71, 0).mark();
    pickle.str('big').op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19);
    pickle.str('neg').op(0x8a, 2, 0x00, 0xff); // -256
    pickle.str('float').op(0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0); // 1.5, big-endian
    pickle.str('pair').op(0x4b, 7).str('x').op(0x86, 0x71, 1); // (7, 'x') memoised as 1
    pickle.str('again').op(0x68, 1); // BINGET 1
    pickle.str('list').op(0x5d).mark().op(0x88, 0x89, 0x4e).op(0x65);
    pickle.setItems().stop();
    const value = run(pickle.bytes()) as Map<string, unknown>;
    expect(value.get('big')).toBe(0x1950a86a20f9469cfc6cn);
    expect(value.get('neg')).toBe(-256);
    expect(value.get('float')).toBe(1.5);
    expect(value.get('pair')).toEqual(new PyTuple([7, 'x']));
    expect(value.get('again')).toBe(value.get('pair'));
    expect(value.get('list')).toEqual([true, false, null]);
  });

  it('reads protocol-4 framing, SHORT_BINUNICODE and MEMOIZE', () => {
    const bytes = Uint8Array.from([
      0x80, 4, 0x95, 9, 0, 0, 0, 0, 0, 0, 0, 0x8c, 2, 0x68, 0x69, 0x94, 0x68, 0, 0x86, 0x2e,
    ]);
    expect(run(bytes)).toEqual(new PyTuple(['hi', 'hi']));
  });

  it('stops at STOP and reports where the next pickle starts', () => {
    const bytes = Uint8Array.from([0x80, 2, 0x4b, 5, 0x2e, 0x4b, 6, 0x2e]);
    expect(unpickle(bytes, 0, noGlobals, 'x')).toEqual({ value: 5, end: 5 });
  });

  it.each([
    ['a string longer than the data', Uint8Array.from([0x58, 0xff, 0xff, 0xff, 0x7f, 0x61])],
    ['no STOP opcode', Uint8Array.from([0x80, 2, 0x4b, 1])],
  ])('reports truncation for %s without allocating', (_label, bytes) => {
    expect(() => run(bytes)).toThrow(TruncatedPickleError);
  });

  it.each([
    ['a memo read before any write', Uint8Array.from([0x68, 3, 0x2e]), /memo entry 3/],
    ['STOP on an empty stack', Uint8Array.from([0x2e]), /stack underflow/],
    ['SETITEMS on a list', Uint8Array.from([0x5d, 0x28, 0x4b, 1, 0x4b, 2, 0x75, 0x2e]), /not a dict/],
    ['a pickle protocol from the future', Uint8Array.from([0x80, 9, 0x2e]), /protocol 9/],
  ])('rejects %s as corrupt', (_label, bytes, message) => {
    expect(() => run(bytes)).toThrow(CheckpointFormatError);
    expect(() => run(bytes)).toThrow(message);
  });

  it('refuses copyreg extension codes, which name globals indirectly', () => {
    expect(() => run(Uint8Array.from([0x82, 1, 0x2e]))).toThrow(UnsafePickleError);
  });
});
