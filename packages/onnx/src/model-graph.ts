/** What an encoder graph hands to its head. */
export interface EncoderGraph {
  /** `[B, L, H]` value name. */
  lastHiddenState: string;
}

export interface HeadInputs {
  hidden: string;
  /** int64 `[B, L]` attention mask input. */
  attentionMask: string;
}
