import { BcmbError } from '@bcmb/core';

/** config.json names a model type or a setting that bcmb does not implement (never approximated). */
export class UnsupportedConfigError extends BcmbError {}

/** config.json is not valid JSON or a required field is missing or has the wrong type. */
export class ModelConfigError extends BcmbError {}

/** A checkpoint does not fit the model built from its config (missing backbone weight, wrong shape). */
export class WeightMismatchError extends BcmbError {}
