import type { ModernBertConfig } from '@bcmb/modeling';
import { classifier } from './bert.js';
import { type GraphBuilder, MS_DOMAIN } from './graph.js';
import {
  activation,
  addBias,
  type EmitOptions,
  embeddingTable,
  firstToken,
  fullAttention,
  layerNorm,
  linear,
  MASK_FILL,
  maskAsFloat,
  maskAsInt32,
  project,
  skipLayerNorm,
  splitLast,
} from './layers.js';
import type { EncoderGraph, HeadInputs } from './model-graph.js';
import { ropeTables } from './rope.js';
import { tokenLayout } from './unpad.js';
import type { WeightReader } from './weights.js';

/** Largest int64, the "to the end" bound of Slice. */
const TO_END = Number.MAX_SAFE_INTEGER;

interface AttentionShape {
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
function slidingAttention(
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

/** ModernBertModel: embeddings norm, pre-norm layers alternating global and sliding attention, final norm. */
export function modernBertEncoder(
  g: GraphBuilder,
  config: ModernBertConfig,
  w: WeightReader,
  inputs: { inputIds: string; attentionMask: string },
  { quantize, unpad }: EmitOptions,
): EncoderGraph {
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const eps = config.normEps;
  const N = config.numAttentionHeads;
  const d = H / N;
  const normBias = (name: string) => (config.normBias ? w.get(`${name}.bias`, [H]) : undefined);
  const optionalBias = (has: boolean, name: string, size: number) => (has ? w.get(name, [size]) : undefined);

  const embeddings = g.one('Gather', [
    embeddingTable(g, w, 'embeddings.tok_embeddings.weight', config.vocabSize, H),
    inputs.inputIds,
  ]);
  let residual = layerNorm(
    g,
    embeddings,
    w.get('embeddings.norm.weight', [H]),
    normBias('embeddings.norm'),
    eps,
    'embeddings.norm',
  );
  const layout = tokenLayout(g, inputs.attentionMask, unpad);
  residual = layout.toDense(residual, H);
  let normed = residual;

  const maskInt = maskAsInt32(g, inputs.attentionMask);
  const maskFloat = maskAsFloat(g, inputs.attentionMask);
  const position0 = g.constInt64([0]);
  const rope = new Map<number, [string, string]>();
  const ropeCaches = (theta: number): [string, string] => {
    let caches = rope.get(theta);
    if (caches === undefined) {
      const { cos, sin } = ropeTables(theta, d, config.maxPositionEmbeddings);
      caches = [
        g.initializer(`rope_cos_${theta}`, [config.maxPositionEmbeddings, d / 2], cos),
        g.initializer(`rope_sin_${theta}`, [config.maxPositionEmbeddings, d / 2], sin),
      ];
      rope.set(theta, caches);
    }
    return caches;
  };

  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `layers.${i}`;
    const global = config.layerTypes[i] === 'full_attention';
    const theta = global ? config.globalRopeTheta : config.localRopeTheta;
    const [cos, sin] = ropeCaches(theta);
    const qkv = layout.toPadded(
      addBias(
        g,
        project(g, w, normed, `${p}.attn.Wqkv.weight`, [H, 3 * H], quantize),
        optionalBias(config.attentionBias, `${p}.attn.Wqkv.bias`, 3 * H),
        `${p}.attn.Wqkv.bias`,
      ),
      3 * H,
    );
    const rotate = (x: string) =>
      g.one('RotaryEmbedding', [x, position0, cos, sin], { interleaved: 0, num_heads: N }, MS_DOMAIN);
    let context: string;
    if (global) {
      const [q, k, v] = splitLast(g, qkv, 3, H) as [string, string, string];
      context = fullAttention(g, rotate(q), rotate(k), v, maskInt, N);
    } else {
      context = slidingAttention(g, qkv, maskFloat, rotate, {
        numHeads: N,
        headDim: d,
        halfWindow: Math.floor(config.localAttention / 2),
      });
    }
    const attnOut = project(g, w, layout.toDense(context, H), `${p}.attn.Wo.weight`, [H, H], quantize);
    const afterAttn = skipLayerNorm(
      g,
      attnOut,
      residual,
      w.get(`${p}.mlp_norm.weight`, [H]),
      normBias(`${p}.mlp_norm`),
      optionalBias(config.attentionBias, `${p}.attn.Wo.bias`, H),
      eps,
      `${p}.mlp_norm`,
    );
    const wi = addBias(
      g,
      project(g, w, afterAttn.normed, `${p}.mlp.Wi.weight`, [H, 2 * I], quantize),
      optionalBias(config.mlpBias, `${p}.mlp.Wi.bias`, 2 * I),
      `${p}.mlp.Wi.bias`,
    );
    const [input, gate] = splitLast(g, wi, 2, I) as [string, string];
    const gated = g.one('Mul', [
      activation(g, input, undefined, config.hiddenActivation, `${p}.mlp.act`),
      gate,
    ]);
    const mlpOut = project(g, w, gated, `${p}.mlp.Wo.weight`, [I, H], quantize);
    const nextNorm = i + 1 < config.numHiddenLayers ? `layers.${i + 1}.attn_norm` : 'final_norm';
    const afterMlp = skipLayerNorm(
      g,
      mlpOut,
      afterAttn.sum,
      w.get(`${nextNorm}.weight`, [H]),
      normBias(nextNorm),
      optionalBias(config.mlpBias, `${p}.mlp.Wo.bias`, H),
      eps,
      nextNorm,
    );
    residual = afterMlp.sum;
    normed = afterMlp.normed;
  }
  return { lastHiddenState: layout.toPadded(normed, H) };
}

/** ModernBertPredictionHead: norm(act(dense(x))). */
function predictionHead(g: GraphBuilder, config: ModernBertConfig, w: WeightReader, x: string): string {
  const H = config.hiddenSize;
  const dense = linear(
    g,
    x,
    w.linearWeight('head.dense.weight', H, H, false),
    config.classifierBias ? w.get('head.dense.bias', [H], false) : undefined,
    [H, H],
    'head.dense',
  );
  const act = activation(g, dense, undefined, config.classifierActivation, 'head.act');
  return layerNorm(
    g,
    act,
    w.get('head.norm.weight', [H], false),
    config.normBias ? w.get('head.norm.bias', [H], false) : undefined,
    config.normEps,
    'head.norm',
  );
}

/** Mean of the real tokens' hidden states, `sum(h·mask) / sum(mask)`, `[B, H]`. */
function meanPool(g: GraphBuilder, hidden: string, attentionMask: string): string {
  const mask = maskAsFloat(g, attentionMask);
  const axis = g.constInt64([1]);
  const summed = g.one(
    'ReduceSum',
    [g.one('Mul', [hidden, g.one('Unsqueeze', [mask, g.constInt64([-1])])]), axis],
    {
      keepdims: 0,
    },
  );
  return g.one('Div', [summed, g.one('ReduceSum', [mask, axis], { keepdims: 1 })]);
}

export function modernBertSequenceHead(
  g: GraphBuilder,
  config: ModernBertConfig,
  w: WeightReader,
  { hidden, attentionMask }: HeadInputs,
): string {
  const pooled =
    config.classifierPooling === 'mean' ? meanPool(g, hidden, attentionMask) : firstToken(g, hidden);
  return classifier(g, w, predictionHead(g, config, w, pooled), config.hiddenSize, config.numLabels);
}

export function modernBertTokenHead(
  g: GraphBuilder,
  config: ModernBertConfig,
  w: WeightReader,
  { hidden }: HeadInputs,
): string {
  return classifier(g, w, predictionHead(g, config, w, hidden), config.hiddenSize, config.numLabels);
}

/** ModernBertForMaskedLM: the head, then the decoder tied to the token embeddings (plus its bias). */
export function modernBertMaskedLmHead(
  g: GraphBuilder,
  config: ModernBertConfig,
  w: WeightReader,
  { hidden }: HeadInputs,
): string {
  const H = config.hiddenSize;
  const V = config.vocabSize;
  const tied = !w.has('decoder.weight', false);
  const table = w.linearWeight(tied ? 'embeddings.tok_embeddings.weight' : 'decoder.weight', H, V, tied);
  return linear(
    g,
    predictionHead(g, config, w, hidden),
    table,
    config.decoderBias ? w.get('decoder.bias', [V], false) : undefined,
    [H, V],
    'decoder',
  );
}
