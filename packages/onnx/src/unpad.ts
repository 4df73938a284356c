import type { GraphBuilder } from './graph.js';

/**
 * Where the encoder's per-token (dense) layers run, as 2-D rows `[tokens, D]`. Unpadded, as ModernBERT's
 * reference implementation does: the real tokens of the whole batch, so projections, MLPs and norms cost nothing
 * for padding; attention, which needs each sequence's own keys, scatters them back into the padded `[B, L, D]`
 * batch (padding rows 0) and gathers its output again. Padded: every position, `[B·L, D]`.
 */
export interface TokenLayout {
  /** `[B, L]` ids → the `[tokens]` ids of the rows. */
  denseIds(ids: string): string;
  /** `[B, L, D]` → rows. */
  toDense(x: string, width: number): string;
  /** Rows → `[B, L, D]`. */
  toPadded(x: string, width: number): string;
}

export function tokenLayout(g: GraphBuilder, attentionMask: string, unpad: boolean): TokenLayout {
  const flat = (x: string, width: number) => g.one('Reshape', [x, g.constInt64([-1, width])]);
  const batchShape = g.one('Shape', [attentionMask]);
  const padded = (x: string, width: number) =>
    g.one('Reshape', [x, g.one('Concat', [batchShape, g.constInt64([width])], { axis: 0 })]);
  const flatIds = (ids: string) => g.one('Reshape', [ids, g.constInt64([-1])]);
  if (!unpad) return { denseIds: flatIds, toDense: flat, toPadded: padded };

  const flatMask = flatIds(attentionMask);
  const realTokens = g.one('NonZero', [flatMask]);
  const gatherIndex = g.one('Squeeze', [realTokens, g.constInt64([0])]);
  const scatterIndex = g.one('Transpose', [realTokens], { perm: [1, 0] });
  const paddedTokens = g.one('Shape', [flatMask]);
  return {
    denseIds: (ids) => g.one('Gather', [flatIds(ids), gatherIndex], { axis: 0 }),
    toDense: (x, width) => g.one('Gather', [flat(x, width), gatherIndex], { axis: 0 }),
    toPadded(x, width) {
      // ConstantOfShape's default value is float32 zero.
      const zeros = g.one('ConstantOfShape', [
        g.one('Concat', [paddedTokens, g.constInt64([width])], { axis: 0 }),
      ]);
      return padded(g.one('ScatterND', [zeros, scatterIndex, x]), width);
    },
  };
}
