import { BcmbError, type BcmbErrorOptions } from '@bcmb/core';

/** A research YAML (or `--set` override) bcmb cannot honour: names the key path. */
export class PretrainConfigError extends BcmbError {
  /** Dotted key path, e.g. `scheduler.t_warmup`. */
  readonly keyPath: string | undefined;

  constructor(what: string, options: BcmbErrorOptions & { keyPath?: string } = {}) {
    super(options.keyPath === undefined ? what : `${options.keyPath}: ${what}`, options);
    this.keyPath = options.keyPath;
  }
}

/** Input data for pretraining (CSV, MDS, tokens) does not have the expected shape. */
export class PretrainDataError extends BcmbError {}

/** The run itself failed (engine, checkpoint, resume state). */
export class PretrainRunError extends BcmbError {}
