import { BcmbError } from '@bcmb/core';

/** A checkpoint folder that cannot be read back (missing or incomplete files). */
export class CheckpointError extends BcmbError {}

/** Training arguments or data that cannot be trained on (empty split, bad batch size, NaN loss). */
export class TrainingError extends BcmbError {}
