import type { GraphBuilder } from './graph.js';

/**
 * Where the encoder's per-token (dense) layers run. Unpadded, as ModernBERT's reference implementation
 * does: the real tokens of the whole batch are gathered into one `[1, T, D]` row, so projections, MLPs and
 * norms cost nothing for padding; attention, which needs each sequence's own keys, scatters them back into
 * the padded `[B, L, D]` batch (padding rows 0) and gathers its output again.
 */
export interface TokenLayout {
  /** `[B, L, D]` → the dense layers' layout. */
  toDense(x: string, width: number): string;
  /** The dense layers' layout → `[B, L, D]`. */
  toPadded(x: string, width: number): string;
}

const PADDED: TokenLayout = { toDense: (x) => x, toPadded: (x) => x };

export function tokenLayout(g: GraphBuilder, attentionMask: string, unpad: boolean): TokenLayout {
  if (!unpad) return PADDED;
  const flatMask = g.one('Reshape', [attentionMask, g.constInt64([-1])]);
  const realTokens = g.one('NonZero', [flatMask]);
  const gatherIndex = g.one('Squeeze', [realTokens, g.constInt64([0])]);
  const scatterIndex = g.one('Transpose', [realTokens], { perm: [1, 0] });
  const paddedTokens = g.one('Shape', [flatMask]);
  const batchShape = g.one('Shape', [attentionMask]);
  return {
    toDense(x, width) {
      const rows = g.one('Gather', [g.one('Reshape', [x, g.constInt64([-1, width])]), gatherIndex], {
        axis: 0,
      });
      return g.one('Unsqueeze', [rows, g.constInt64([0])]);
    },
    toPadded(x, width) {
      // ConstantOfShape's default value is float32 zero.
      const zeros = g.one('ConstantOfShape', [
        g.one('Concat', [paddedTokens, g.constInt64([width])], { axis: 0 }),
      ]);
      const scattered = g.one('ScatterND', [
        zeros,
        scatterIndex,
        g.one('Reshape', [x, g.constInt64([-1, width])]),
      ]);
      return g.one('Reshape', [scattered, g.one('Concat', [batchShape, g.constInt64([width])], { axis: 0 })]);
    },
  };
}
