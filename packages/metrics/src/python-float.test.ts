import { describe, expect, it } from 'vitest';
import { pythonFloatRepr } from './python-float.js';

describe('pythonFloatRepr', () => {
  it.each([
    [0.3, '0.3'],
    [0.125, '0.125'],
    [1, '1.0'],
    [3, '3.0'],
    [-2, '-2.0'],
    [1.5, '1.5'],
    [0.01, '0.01'],
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [0.00005, '5e-05'],
    [2e-5, '2e-05'],
    [1.25e-7, '1.25e-07'],
    [-1.5e-7, '-1.5e-07'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e16, '1e+16'],
    [123456789012345.6, '123456789012345.6'],
    [0, '0.0'],
    [-0, '-0.0'],
    [Number.NaN, 'nan'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ])('prints %d as Python repr does (%s)', (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });
});
