import type { Activation } from './config-reader.js';

/**
 * The operations a model family's forward is written against. Each engine implements them once (tfjs in
 * `@bcmb/modeling`, ONNX graphs in `@bcmb/onnx`); the families never see an engine.
 *
 * Values are per-token rows `[tokens, width]` in a layout the engine owns (tfjs: every padded position, B·L
 * rows; ONNX: the batch's real tokens only). Operations that need the sequences (`attention`, `pool`) know the
 * batch from the engine's inputs. Parameters are named by their `transformers` weight name (with the backbone
 * prefix), in PyTorch layout: a Linear weight is `[out, in]`, and an engine may store it as it likes.
 */
export interface EncoderOps<T> {
  /** Rows of `table` picked by the batch's token ids, position ids 0..L-1 or segment ids (zeros when absent). */
  embed(table: string, ids: EmbeddingIds): T;
  /** `x · Wᵀ + b` for a torch Linear `[out, in]` weight. */
  linear(x: T, projection: Projection): T;
  /** nn.LayerNorm over the last axis (biased variance); `bias` absent for ModernBERT's bias-free norms. */
  layerNorm(x: T, weight: string, bias: string | undefined, eps: number): T;
  /** The residual sum. */
  add(a: T, b: T): T;
  /** `transformers.activations.ACT2FN[act]`. */
  activation(x: T, act: Activation): T;
  /** GeGLU-style gate: the last axis split in halves (input, gate), `act(input) · gate`. */
  gatedActivation(x: T, act: Activation): T;
  /**
   * Bidirectional self-attention of the rows on themselves: q, k, v projections (one fused `[3H, H]` weight or
   * three `[H, H]`), optional rotary embedding of q and k, scaled dot-product over the keys `spec.window` lets
   * each query see (never padding), softmax, dropout of the probabilities, weighted sum of v: `[tokens, H]`
   * context rows, before the output projection.
   */
  attention(x: T, projections: QkvProjections, spec: AttentionSpec): T;
  /** nn.Dropout: identity unless the engine is training. */
  dropout(x: T, rate: number): T;
  /** One row per sequence, `[B, H]`: the first token's (`cls`) or the mean over real tokens (`mean`). */
  pool(x: T, how: Pooling): T;
  /**
   * Runs the encoder's blocks in order from `x` and returns every block's output. A block is a unit an engine
   * may recompute during the backward pass instead of keeping its intermediates (gradient checkpointing).
   */
  blocks(x: T, blocks: readonly EncoderBlock<T>[]): T[];
}

export type EmbeddingIds = 'tokens' | 'positions' | 'token-types';
export type Pooling = 'cls' | 'mean';

/** A Linear layer by weight name; `bias` absent for bias-free layers. */
export interface Projection {
  weight: string;
  bias?: string;
}

/** q, k and v as one fused projection (its output is q ‖ k ‖ v) or three. */
export type QkvProjections =
  | { fused: Projection }
  | { query: Projection; key: Projection; value: Projection };

export type AttentionWindow =
  | { kind: 'full' }
  /** Key j is visible to query i iff |i - j| <= halfWindow. */
  | { kind: 'sliding'; halfWindow: number };

export interface AttentionSpec {
  numHeads: number;
  headDim: number;
  window: AttentionWindow;
  /** NeoX-style rotary embedding of q and k with this base, when the family uses it. */
  rope?: { theta: number };
  /** Dropout of the attention probabilities (training only). */
  dropout: number;
}

/** One checkpointable unit of the encoder (an attention or feed-forward sub-layer). */
export interface EncoderBlock<T> {
  /** Weight-name prefixes of the parameters the block reads (each ends with a dot). */
  params: readonly string[];
  /** The attention the block runs, so an engine can prepare its masks and rotary tables once per forward. */
  attention?: AttentionSpec;
  run(x: T): T;
}

/** What a family's forward returns: rows in the engine's layout, one `[B, …]` row per sequence where pooled. */
export interface ForwardResult<T> {
  /** Final hidden rows (after ModernBERT's final norm). */
  hidden: T;
  /** `transformers`' `hidden_states`: the embeddings, then every layer's output. */
  hiddenStates: T[];
  /** Logits: per token (`[tokens, V | C]`) for masked-lm and token classification, `[B, C]` for sequences. */
  logits?: T;
  /** BERT's tanh pooler output `[B, H]`. */
  pooled?: T;
  /** The next-sentence logits `[B, 2]` of the pre-training task (BertForPreTraining `seq_relationship_logits`). */
  seqRelationshipLogits?: T;
}

/** A stable key for an attention spec: engines cache masks and rotary tables per distinct spec. */
export function attentionKey(spec: AttentionSpec): string {
  const window = spec.window.kind === 'full' ? 'full' : `sliding${spec.window.halfWindow}`;
  return `${window}/rope${spec.rope?.theta ?? 'none'}/${spec.numHeads}x${spec.headDim}`;
}
