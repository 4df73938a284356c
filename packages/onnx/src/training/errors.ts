import { BcmbError } from '@bcmb/core';

/** A training graph ONNX Runtime cannot compile or run, or parameters that do not fit it. */
export class TrainingGraphError extends BcmbError {}
