import { BcmbError } from '@bcmb/core';

/** An input a pipeline cannot run on: no mask token for fill-mask, an empty batch, a stride too long. */
export class PipelineInputError extends BcmbError {}

/** A pipeline asked for something its model or engine does not offer (int8 on tfjs, a classifier without labels). */
export class PipelineOptionsError extends BcmbError {}
