import { describe, expect, it } from 'vitest';
import { pythonFloat } from './python-format.js';

describe('pythonFloat', () => {
  it.each([
    [2e-5, '2e-05'],
    [5e-5, '5e-05'],
    [0.01, '0.01'],
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [3, '3.0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e16, '1e+16'],
    [123456789012345.6, '123456789012345.6'],
    [-1.5e-7, '-1.5e-07'],
    [0, '0.0'],
  ])('prints %s as Python repr does: %s', (value, expected) => {
    expect(pythonFloat(value)).toBe(expected);
  });
});
