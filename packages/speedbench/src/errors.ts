import { BcmbError, type BcmbErrorOptions } from '@bcmb/core';

/** A dataset name that is not one of the research's six sets. */
export class UnknownWorkloadError extends BcmbError {
  constructor(name: string) {
    super(`Unknown dataset "${name}"`, {
      hint: 'Choose from fixed_short, variable_short, fixed_medium, variable_medium, fixed_long, variable_long',
    });
  }
}

/** An engine name that no registration answers to, or one that cannot run on this machine. */
export class EngineUnavailableError extends BcmbError {}

/** A model directory the engine could not load (missing or unreadable config, unsupported architecture). */
export class ModelLoadError extends BcmbError {
  constructor(model: string, reason: string, options: BcmbErrorOptions = {}) {
    super(`Cannot load model ${model}: ${reason}`, options);
  }
}

/** A benchmark child failed for a reason other than running out of memory. */
export class BenchmarkRunError extends BcmbError {}

/** No batch size, down to 1, ran within the memory available. */
export class BatchSizeSearchError extends BcmbError {}
