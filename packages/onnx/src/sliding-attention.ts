import { MASK_FILL } from '@bcmb/architectures';
import { type GraphBuilder, MS_DOMAIN } from './graph.js';
import { splitLast } from './layers.js';

/** Largest int64, the "to the end" bound of Slice. */
const TO_END = Number.MAX_SAFE_INTEGER;

export interface AttentionShape {
  numHeads: number;
  headDim: number;
  /** Half window: key j is visible to query i iff |i - j| <= halfWindow. */
  halfWindow: number;
}

/**
 * Additive band `[w, 3w]` for a block of w queries against the 3w keys of its own and both neighbouring
 * blocks: local query i sits at absolute b·w + i and local key j at (b-1)·w + j, so |i - j| <= w holds iff
 * i <= j <= i + 2w.
 */
function bandMask(w: number): Float32Array {
  const band = new Float32Array(w * 3 * w);
  for (let i = 0; i < w; i++)
    for (let j = 0; j < 3 * w; j++) band[i * 3 * w + j] = j >= i && j <= i + 2 * w ? 0 : MASK_FILL;
  return band;
}

/**
 * The three neighbouring key blocks of every query block, along `axis` of a tensor padded there by w in front
 * and pad + w behind: `[…, P + 2w, …rest]` → `[…, nb, 3w, …rest]`.
 */
function neighbourBlocks(g: GraphBuilder, padded: string, axis: number, w: number, rest: number[]): string {
  const slices: [number, number][] = [
    [0, -2 * w],
    [w, -w],
    [2 * w, TO_END],
  ];
  const keep = Array(axis).fill(0);
  const blocks = slices.map(([start, end]) =>
    g.one('Reshape', [
      g.one('Slice', [padded, g.constInt64([start]), g.constInt64([end]), g.constInt64([axis])]),
      g.constInt64([...keep, -1, w, ...rest]),
    ]),
  );
  return g.one('Concat', blocks, { axis: axis + 1 });
}

/** Pads for axis `axis` of a rank-`rank` tensor: `before` in front, `after` (a 1-element value) behind. */
function padsOnAxis(g: GraphBuilder, rank: number, axis: number, before: number, after: string): string {
  const begin = Array(rank).fill(0);
  begin[axis] = before;
  const parts = [g.constInt64([...begin, ...Array(axis).fill(0)]), after];
  if (axis + 1 < rank) parts.push(g.constInt64(Array(rank - axis - 1).fill(0)));
  return g.one('Concat', parts, { axis: 0 });
}

/**
 * ModernBERT's sliding-window attention computed block by block, so cost grows linearly with length: the
 * sequence is cut into blocks of w = local_attention/2 queries, each attending to the 3w keys of its own and
 * both neighbouring blocks, with a band mask selecting |i - j| <= w and the padding mask on top. Every block
 * becomes one row of a `[B·nb, w | 3w, H]` batch for ORT's MultiHeadAttention (band as its attention bias,
 * padding as its key mask), which does the head split, scores, softmax and weighted sum in one kernel.
 */
export function slidingAttention(
  g: GraphBuilder,
  qkv: string,
  maskFloat: string,
  rotate: (x: string) => string,
  { numHeads: N, headDim: d, halfWindow: w }: AttentionShape,
): string {
  const H = N * d;
  const [q, k, v] = splitLast(g, qkv, 3, H) as [string, string, string];
  const seqLen = g.one('Shape', [qkv], { start: 1, end: 2 });
  const wConst = g.constInt64([w]);
  const pad = g.one('Mod', [g.one('Sub', [wConst, g.one('Mod', [seqLen, wConst])]), wConst]);
  const padPlusW = g.one('Add', [pad, wConst]);

  const qBlocks = g.one('Reshape', [
    g.one('Pad', [rotate(q), padsOnAxis(g, 3, 1, 0, pad)]),
    g.constInt64([-1, w, H]),
  ]);
  const kvPads = padsOnAxis(g, 3, 1, w, padPlusW);
  const keyBlocks = (x: string) =>
    g.one('Reshape', [
      neighbourBlocks(g, g.one('Pad', [x, kvPads]), 1, w, [H]),
      g.constInt64([-1, 3 * w, H]),
    ]);
  const keyMask = g.one(
    'Cast',
    [
      g.one('Reshape', [
        neighbourBlocks(g, g.one('Pad', [maskFloat, padsOnAxis(g, 2, 1, w, padPlusW)]), 1, w, []),
        g.constInt64([-1, 3 * w]),
      ]),
    ],
    { to: 6 },
  );
  const band = g.initializer('sliding_band', [1, 1, w, 3 * w], bandMask(w));
  const context = g.one(
    'MultiHeadAttention',
    [qBlocks, keyBlocks(rotate(k)), keyBlocks(v), '', keyMask, band],
    { num_heads: N, mask_filter_value: { float: MASK_FILL } },
    MS_DOMAIN,
  );
  const batch = g.one('Shape', [qkv], { start: 0, end: 1 });
  const merged = g.one('Reshape', [context, g.one('Concat', [batch, g.constInt64([-1, H])], { axis: 0 })]);
  return g.one('Slice', [merged, g.constInt64([0]), seqLen, g.constInt64([1])]);
}
