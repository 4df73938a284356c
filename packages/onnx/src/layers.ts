import type { Activation } from '@bcmb/modeling';
import { type GraphBuilder, MS_DOMAIN } from './graph.js';
import { quantizePerChannel } from './quantize.js';
import type { WeightReader } from './weights.js';

/**
 * Added to the scores of keys a query must not see. Large enough that exp() underflows to exactly 0 next to
 * any real score (as torch's finfo.min fill does), small enough that two fills add to a finite number, so a
 * query whose whole window is padding gets uniform attention rather than NaN (which would leak into real tokens).
 */
export const MASK_FILL = -1e30;

export interface EmitOptions {
  /** int8 weights with per-output-channel scales for the encoder's linear layers (dynamic activations). */
  quantize: boolean;
  /** Run the dense layers on real tokens only (see unpad.ts). */
  unpad: boolean;
}

/**
 * x·W for a torch Linear weight given as `[in, out]`. The bias is left to the caller so it can fold it into the
 * next fused op (BiasGelu, MultiHeadAttention), or pass it as `bias`; `quantize` emits ORT's
 * DynamicQuantizeMatMul (uint8 activations quantized per call, int8 weights with per-column scales), which
 * adds `bias` itself.
 */
export function matmul(
  g: GraphBuilder,
  x: string,
  weight: Float32Array,
  inDim: number,
  outDim: number,
  hint: string,
  quantize: boolean,
  bias?: Float32Array,
): string {
  if (!quantize)
    return addBias(
      g,
      g.one('MatMul', [x, g.initializer(hint, [inDim, outDim], weight)]),
      bias,
      `${hint}_bias`,
    );
  const { values, scales } = quantizePerChannel(weight, inDim, outDim);
  const w = g.initializer(`${hint}_int8`, [inDim, outDim], values);
  const s = g.initializer(`${hint}_scale`, [outDim], scales);
  // The bias goes into the op itself (its fifth input), one pass over the output fewer.
  const inputs = [x, w, s];
  if (bias !== undefined) inputs.push('', g.initializer(`${hint}_bias`, [outDim], bias));
  return g.one('DynamicQuantizeMatMul', inputs, {}, MS_DOMAIN);
}

/** `matmul` of the checkpoint's Linear weight `name` (`[out, in]` in the state dict). */
export function project(
  g: GraphBuilder,
  w: WeightReader,
  x: string,
  name: string,
  [inDim, outDim]: [number, number],
  quantize = false,
  backbone = true,
  bias?: Float32Array,
): string {
  return matmul(g, x, w.linearWeight(name, inDim, outDim, backbone), inDim, outDim, name, quantize, bias);
}

/** A `[rows, width]` embedding table of the checkpoint as an initializer (the left input of Gather). */
export function embeddingTable(
  g: GraphBuilder,
  w: WeightReader,
  name: string,
  rows: number,
  width: number,
): string {
  return g.initializer(name, [rows, width], w.get(name, [rows, width]));
}

export function addBias(g: GraphBuilder, x: string, bias: Float32Array | undefined, hint: string): string {
  if (bias === undefined) return x;
  return g.one('Add', [x, g.initializer(hint, [bias.length], bias)]);
}

/** A full linear layer (weight, then bias if any). */
export function linear(
  g: GraphBuilder,
  x: string,
  weight: Float32Array,
  bias: Float32Array | undefined,
  dims: [number, number],
  hint: string,
  quantize = false,
): string {
  return addBias(g, matmul(g, x, weight, dims[0], dims[1], `${hint}.weight`, quantize), bias, `${hint}.bias`);
}

/**
 * LayerNormalization over the last axis. A norm without bias (ModernBERT) gets an explicit zero bias: ORT 1.30
 * crashes in its SkipLayerNorm fusion on a LayerNormalization whose bias input is empty.
 */
export function layerNorm(
  g: GraphBuilder,
  x: string,
  gamma: Float32Array,
  beta: Float32Array | undefined,
  eps: number,
  hint: string,
): string {
  const b = beta ?? new Float32Array(gamma.length);
  return g.one(
    'LayerNormalization',
    [x, g.initializer(`${hint}.weight`, [gamma.length], gamma), g.initializer(`${hint}.bias`, [b.length], b)],
    { axis: -1, epsilon: { float: eps } },
  );
}

/**
 * `LayerNorm(x + skip + bias)`; returns the normalised value and the sum (the new residual stream). Emitted
 * as Add + LayerNormalization, not ORT's fused SkipLayerNormalization: on ORT 1.30's CPU provider that kernel
 * took about twice the time of the two plain ops (profiled on BERT-base, 8 × 512 tokens), a 5 % loss overall.
 */
export function skipLayerNorm(
  g: GraphBuilder,
  x: string,
  skip: string,
  gamma: Float32Array,
  beta: Float32Array | undefined,
  bias: Float32Array | undefined,
  eps: number,
  hint: string,
): { normed: string; sum: string } {
  const sum = g.one('Add', [addBias(g, x, bias, `${hint}.residual_bias`), skip]);
  return { normed: layerNorm(g, sum, gamma, beta, eps, hint), sum };
}

/** `act(x + bias)` with the activation `transformers` names; exact erf GELU for `gelu`. */
export function activation(
  g: GraphBuilder,
  x: string,
  bias: Float32Array | undefined,
  act: Activation,
  hint: string,
): string {
  if (act === 'gelu' && bias !== undefined)
    return g.one('BiasGelu', [x, g.initializer(hint, [bias.length], bias)], {}, MS_DOMAIN);
  const input = addBias(g, x, bias, hint);
  switch (act) {
    case 'gelu':
      return g.one('Gelu', [input], {}, MS_DOMAIN);
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return g.one('FastGelu', [input], {}, MS_DOMAIN);
    case 'relu':
      return g.one('Relu', [input]);
    case 'tanh':
      return g.one('Tanh', [input]);
    case 'silu':
    case 'swish':
      return g.one('Mul', [input, g.one('Sigmoid', [input])]);
  }
}

/**
 * Bidirectional multi-head attention over every key that is not padding: ORT's fused MultiHeadAttention
 * (scale head_dim^-0.5, masked keys get its mask_filter_value, softmax, weighted sum), `[B, L, H]` in and out.
 */
export function fullAttention(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  keyPaddingMask: string,
  numHeads: number,
  bias?: string,
): string {
  return g.one(
    'MultiHeadAttention',
    [q, k, v, bias ?? '', keyPaddingMask],
    {
      num_heads: numHeads,
      mask_filter_value: { float: MASK_FILL },
    },
    MS_DOMAIN,
  );
}

/** Splits the last axis into equal parts. */
export function splitLast(g: GraphBuilder, x: string, parts: number, size: number): string[] {
  return g.op('Split', [x, g.constInt64(Array(parts).fill(size))], { attrs: { axis: -1 }, outputs: parts });
}

/** `[B, L]` int64 attention mask → float `[B, L]` (1 real, 0 padding). */
export function maskAsFloat(g: GraphBuilder, mask: string): string {
  return g.one('Cast', [mask], { to: 1 });
}

/** `[B, L]` int64 attention mask → int32 key padding mask for MultiHeadAttention. */
export function maskAsInt32(g: GraphBuilder, mask: string): string {
  return g.one('Cast', [mask], { to: 6 });
}

/** `h[:, 0]`, the first token of each sequence, `[B, H]`. */
export function firstToken(g: GraphBuilder, h: string): string {
  return g.one('Gather', [h, g.constInt64([0], true)], { axis: 1 });
}
