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

/**
 * `scatter`: back to padded sequences by ScatterND into zeros (fast). `gather`: by Gather from the rows plus
 * one zero row, through an index of each padded position's row, which training graphs can differentiate.
 */
export type PaddingMethod = 'scatter' | 'gather';

export function tokenLayout(
  g: GraphBuilder,
  attentionMask: string,
  unpad: boolean,
  method: PaddingMethod = 'scatter',
): TokenLayout {
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
  if (method === 'gather') {
    // Each padded position's row among the real tokens (its rank), or one past the last (the zero row).
    const maskInt = g.one('Cast', [flatMask], { to: 7 });
    const rank = g.one('Sub', [g.one('CumSum', [maskInt, g.constInt64([0], true)]), g.constInt64([1], true)]);
    const tokenCount = g.one('ReduceSum', [maskInt], { keepdims: 1 });
    const rowOf = g.one('Where', [g.one('Cast', [flatMask], { to: 9 }), rank, tokenCount]);
    return {
      denseIds: (ids) => g.one('Gather', [flatIds(ids), gatherIndex], { axis: 0 }),
      toDense: (x, width) => g.one('Gather', [flat(x, width), gatherIndex], { axis: 0 }),
      toPadded(x, width) {
        const zeroRow = g.one('ConstantOfShape', [g.constInt64([1, width])]);
        return padded(
          g.one('Gather', [g.one('Concat', [x, zeroRow], { axis: 0 }), rowOf], { axis: 0 }),
          width,
        );
      },
    };
  }
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
