import { BcmbError } from '@bcmb/core';

/** An MDS file (index.json or shard) does not have the layout `streaming` writes, or fails its hash. */
export class MdsFormatError extends BcmbError {}

/** A sample or writer setting the MDS format cannot encode (unknown encoding, wrong value type, bad size limit). */
export class MdsEncodeError extends BcmbError {}
