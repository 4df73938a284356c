import { type Activation, MASK_FILL } from '@bcmb/architectures';
import { type GraphBuilder, MS_DOMAIN } from './graph.js';
import { quantizePerChannel } from './quantize.js';

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

export function addBias(g: GraphBuilder, x: string, bias: Float32Array | undefined, hint: string): string {
  if (bias === undefined) return x;
  return g.one('Add', [x, g.initializer(hint, [bias.length], bias)]);
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
