/** The two draws numpy's `bitgen_t` offers that the permutation routine uses. */
export interface BitGenerator {
  /** A uniform 32-bit unsigned integer, as a number. */
  nextUint32(): number;
  /** A uniform 64-bit unsigned integer, as a bigint. */
  nextUint64(): bigint;
}
