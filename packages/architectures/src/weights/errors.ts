import { BcmbError } from '@bcmb/core';

/** A checkpoint file that cannot be read as what it claims to be: truncated, corrupt header, bad offsets, unknown dtype. */
export class CheckpointFormatError extends BcmbError {}

/** A pickle that names a Python global outside the state-dict allow-list (e.g. `os.system`). Nothing was executed. */
export class UnsafePickleError extends BcmbError {}

/** A model directory that holds none of the weight files `transformers` would load. */
export class MissingWeightsError extends BcmbError {}
