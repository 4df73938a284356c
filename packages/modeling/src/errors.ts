import { BcmbError } from '@bcmb/core';

/** The requested backend cannot be initialised. */
export class BackendError extends BcmbError {}

/** Inputs handed to `forward` are inconsistent (shapes, dtypes, missing labels). */
export class ModelInputError extends BcmbError {}
