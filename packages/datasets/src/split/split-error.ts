import { BcmbError, type BcmbErrorOptions } from '@bcmb/core';

/** Which `train_test_split` call of a three-way split failed. */
export type SplitStage = 'split1' | 'split2';

export interface SplitErrorOptions extends BcmbErrorOptions {
  stage?: SplitStage;
}

/**
 * A split the reference library refuses. The message is the reference library's own
 * (`ValueError` text of datasets / scikit-learn / numpy), so it can be compared verbatim.
 */
export class SplitError extends BcmbError {
  /** The Python exception type the reference stack raises in the same situation. */
  readonly referenceType = 'ValueError';
  readonly stage: SplitStage | undefined;

  constructor(what: string, options: SplitErrorOptions = {}) {
    super(what, options);
    this.stage = options.stage;
  }
}
