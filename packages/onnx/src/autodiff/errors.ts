import { BcmbError } from '@bcmb/core';

/** A graph that reverse-mode differentiation cannot handle (an operator without a gradient rule, unknown shapes). */
export class AutodiffError extends BcmbError {}
