import { describe, expect, it } from 'vitest';
import { comparePythonStrings } from './python-order.js';

describe('comparePythonStrings', () => {
  it("sorts like Python's sorted(): by code point, not by UTF-16 unit", () => {
    expect(['\uff5e', '😀', 'B', 'a'].sort(comparePythonStrings)).toEqual(['B', 'a', '\uff5e', '😀']);
  });

  it('puts a prefix before the longer string', () => {
    expect(['ab', 'a', ''].sort(comparePythonStrings)).toEqual(['', 'a', 'ab']);
  });
});
