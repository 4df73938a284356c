import { BcmbError } from '@bcmb/core';

/** onnxruntime-node is an optional peer dependency; this is thrown when it is asked for but cannot load. */
export class OnnxRuntimeMissingError extends BcmbError {}

/** The weights do not fit the config or the task (a missing tensor, a wrong shape). */
export class OnnxExportError extends BcmbError {}

/** Inputs given to an ONNX session that it cannot run (wrong lengths, missing ids). */
export class OnnxInputError extends BcmbError {}
