import { describe, expect, it } from 'vitest';
import { BcmbError, isBcmbError } from './errors.js';

class ExampleFormatError extends BcmbError {}

describe('BcmbError', () => {
  it('reads as what, where and what to do, in one line', () => {
    const error = new ExampleFormatError('record 17 has 3 masks but 2 spans', {
      file: 'data/raw/DEID/id.res',
      line: 4120,
      hint: 'Check both files come from the same release',
    });
    expect(error.message).toBe(
      'record 17 has 3 masks but 2 spans (data/raw/DEID/id.res:4120). Check both files come from the same release',
    );
    expect(error.name).toBe('ExampleFormatError');
    expect(error.line).toBe(4120);
    expect(isBcmbError(error)).toBe(true);
    expect(isBcmbError(new Error('x'))).toBe(false);
  });
});
