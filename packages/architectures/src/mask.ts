/**
 * Added to (or written over) the attention score of a key a query must not see, in every engine. Far enough
 * below any real score that exp() underflows to exactly 0, as transformers' `torch.finfo(float32).min` fill
 * does, so real tokens get the reference's result bit for bit; but small enough that two fills add to a finite
 * number, so a query whose whole window is padding gets uniform attention instead of NaN (which an engine that
 * adds a padding mask to a band mask would otherwise spread into real rows through 0·NaN).
 */
export const MASK_FILL = -1e30;
