/**
 * A same-sitting stand-in for the transformers.js route: the same encoder written with standard ONNX ops only,
 * the way `torch.onnx.export` traces `transformers`' eager code (separate Q/K/V projections, heads by
 * Reshape/Transpose, a full L × L additive mask on every layer including ModernBERT's sliding ones, RoPE by
 * rotate_half, erf GELU, residual Add + LayerNormalization). ORT then applies its own fusions at level `all`,
 * as it does to the real export. The anchor machine was idle and ours is shared, so the bench runs this graph
 * alternately with bcmb's to compare the two under the same load.
 */
import type { BertConfig, EncoderConfig, ModernBertConfig } from '@bcmb/modeling';
import { GraphBuilder, type ModelProto } from '../src/graph.js';
import { quantizePerChannel } from '../src/quantize.js';
import { ropeTables } from '../src/rope.js';
import { RandomWeights, type WeightReader } from '../src/weights.js';

/** transformers' eager fill, `torch.finfo(float32).min`. */
const FINFO_MIN = -3.4028234663852886e38;

class Plain {
  constructor(
    readonly g: GraphBuilder,
    readonly w: WeightReader,
    readonly quantize: boolean,
  ) {}

  /** torch Linear `name` (`name.weight`, and `name.bias` when `bias`). */
  linear(x: string, name: string, inDim: number, outDim: number, bias: boolean): string {
    const weight = this.w.linearWeight(`${name}.weight`, inDim, outDim);
    const y = this.quantize
      ? this.quantizedMatMul(x, weight, name, inDim, outDim)
      : this.g.one('MatMul', [x, this.g.initializer(name, [inDim, outDim], weight)]);
    if (!bias) return y;
    const b = this.g.initializer(`${name}.bias`, [outDim], this.w.get(`${name}.bias`, [outDim]));
    return this.g.one('Add', [y, b]);
  }

  /**
   * x·W as onnxruntime's `quantize_dynamic(per_channel=True, weight_type=QInt8)` writes it for a MatMul with a
   * constant weight: DynamicQuantizeLinear of x, MatMulInteger with int8 weights (zero points 0), Cast, and
   * a Mul by x_scale · w_scale; ORT fuses that chain itself (MatMulIntegerToFloat, DynamicQuantizeMatMul).
   */
  quantizedMatMul(x: string, weight: Float32Array, name: string, inDim: number, outDim: number): string {
    const g = this.g;
    const { values, scales } = quantizePerChannel(weight, inDim, outDim);
    const [xq, xScale, xZero] = g.op('DynamicQuantizeLinear', [x], { outputs: 3 }) as [
      string,
      string,
      string,
    ];
    const product = g.one('MatMulInteger', [
      xq,
      g.initializer(`${name}_quantized`, [inDim, outDim], values),
      xZero,
      g.initializer(`${name}_zero_point`, [outDim], new Int8Array(outDim)),
    ]);
    const scale = g.one('Mul', [xScale, g.initializer(`${name}_scale`, [outDim], scales)]);
    return g.one('Mul', [g.one('Cast', [product], { to: 1 }), scale]);
  }

  /** LayerNorm `name`; without a bias in the checkpoint (ModernBERT) a zero bias, as ORT 1.30 needs. */
  layerNorm(x: string, name: string, size: number, eps: number, bias: boolean): string {
    const beta = bias ? this.w.get(`${name}.bias`, [size]) : new Float32Array(size);
    const gamma = this.g.initializer(`${name}.weight`, [size], this.w.get(`${name}.weight`, [size]));
    return this.g.one('LayerNormalization', [x, gamma, this.g.initializer(`${name}.bias`, [size], beta)], {
      axis: -1,
      epsilon: { float: eps },
    });
  }

  /** x · 0.5 · (1 + erf(x / √2)), the pattern torch exports for exact GELU. */
  gelu(x: string): string {
    const erf = this.g.one('Erf', [this.g.one('Div', [x, this.g.constFloat([Math.SQRT2], true)])]);
    const half = this.g.one('Mul', [x, this.g.constFloat([0.5], true)]);
    return this.g.one('Mul', [half, this.g.one('Add', [erf, this.g.constFloat([1], true)])]);
  }

  /** `[B, L, H]` → `[B, N, L, d]`. */
  heads(x: string, N: number, d: number): string {
    return this.g.one('Transpose', [this.g.one('Reshape', [x, this.g.constInt64([0, 0, N, d])])], {
      perm: [0, 2, 1, 3],
    });
  }

  /** softmax(q·kᵀ/√d + mask)·v, back to `[B, L, H]`. */
  attention(q: string, k: string, v: string, mask: string, N: number, d: number): string {
    const g = this.g;
    const scores = g.one('Div', [
      g.one('MatMul', [q, g.one('Transpose', [k], { perm: [0, 1, 3, 2] })]),
      g.constFloat([Math.sqrt(d)], true),
    ]);
    const probs = g.one('Softmax', [g.one('Add', [scores, mask])], { axis: -1 });
    const context = g.one('Transpose', [g.one('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
    return g.one('Reshape', [context, g.constInt64([0, 0, N * d])]);
  }

  /** `[B, L]` mask → additive `[B, 1, 1, L]`: 0 on real keys, finfo.min on padding. */
  paddingMask(mask: string): string {
    const g = this.g;
    const inverted = g.one('Sub', [g.constFloat([1], true), g.one('Cast', [mask], { to: 1 })]);
    return g.one('Unsqueeze', [
      g.one('Mul', [inverted, g.constFloat([FINFO_MIN], true)]),
      g.constInt64([1, 2]),
    ]);
  }

  table(name: string, rows: number, cols: number): string {
    return this.g.initializer(name, [rows, cols], this.w.get(name, [rows, cols]));
  }
}

function bert(p: Plain, config: BertConfig, ids: string, mask: string, types: string): string {
  const g = p.g;
  const H = config.hiddenSize;
  const N = config.numAttentionHeads;
  const d = H / N;
  const eps = config.layerNormEps;
  const seqLen = g.one('Shape', [ids], { start: 1, end: 2 });
  const positions = g.one('Slice', [
    p.table('embeddings.position_embeddings.weight', config.maxPositionEmbeddings, H),
    g.constInt64([0]),
    seqLen,
    g.constInt64([0]),
  ]);
  const words = g.one('Gather', [p.table('embeddings.word_embeddings.weight', config.vocabSize, H), ids]);
  const typeRows = g.one('Gather', [
    p.table('embeddings.token_type_embeddings.weight', config.typeVocabSize, H),
    types,
  ]);
  const emb = g.one('Add', [g.one('Add', [words, typeRows]), positions]);
  let h = p.layerNorm(emb, 'embeddings.LayerNorm', H, eps, true);
  const additive = p.paddingMask(mask);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const l = `encoder.layer.${i}`;
    const [q, k, v] = ['query', 'key', 'value'].map((n) =>
      p.heads(p.linear(h, `${l}.attention.self.${n}`, H, H, true), N, d),
    ) as [string, string, string];
    const attn = p.linear(p.attention(q, k, v, additive, N, d), `${l}.attention.output.dense`, H, H, true);
    const h1 = p.layerNorm(g.one('Add', [attn, h]), `${l}.attention.output.LayerNorm`, H, eps, true);
    const inter = p.gelu(p.linear(h1, `${l}.intermediate.dense`, H, config.intermediateSize, true));
    const out = p.linear(inter, `${l}.output.dense`, config.intermediateSize, H, true);
    h = p.layerNorm(g.one('Add', [out, h1]), `${l}.output.LayerNorm`, H, eps, true);
  }
  return h;
}

function modernBert(p: Plain, config: ModernBertConfig, ids: string, mask: string): string {
  const g = p.g;
  const H = config.hiddenSize;
  const N = config.numAttentionHeads;
  const d = H / N;
  const I = config.intermediateSize;
  const eps = config.normEps;
  const bias = config.normBias;
  const tokens = g.one('Gather', [p.table('embeddings.tok_embeddings.weight', config.vocabSize, H), ids]);
  let h = p.layerNorm(tokens, 'embeddings.norm', H, eps, bias);
  const seqLen = g.one('Squeeze', [g.one('Shape', [ids], { start: 1, end: 2 }), g.constInt64([0])]);
  const positions = g.one('Range', [g.constInt64([0], true), seqLen, g.constInt64([1], true)]);
  const global = p.paddingMask(mask);
  // Sliding layers: finfo.min where |i - j| > local_attention / 2, on top of the padding mask.
  const distance = g.one('Abs', [
    g.one('Sub', [
      g.one('Unsqueeze', [positions, g.constInt64([1])]),
      g.one('Unsqueeze', [positions, g.constInt64([0])]),
    ]),
  ]);
  const outside = g.one('Greater', [distance, g.constInt64([Math.floor(config.localAttention / 2)], true)]);
  const sliding = g.one('Where', [outside, g.constFloat([FINFO_MIN], true), global]);
  const rope = new Map<number, [string, string]>();
  const ropeFor = (theta: number): [string, string] => {
    const cached = rope.get(theta);
    if (cached) return cached;
    const { cos, sin } = ropeTables(theta, d, config.maxPositionEmbeddings);
    // cat(freqs, freqs), as transformers builds cos/sin for rotate_half.
    const full = (half: Float32Array) => {
      const out = new Float32Array(config.maxPositionEmbeddings * d);
      for (let pos = 0; pos < config.maxPositionEmbeddings; pos++) {
        const row = half.subarray((pos * d) / 2, ((pos + 1) * d) / 2);
        out.set(row, pos * d);
        out.set(row, pos * d + d / 2);
      }
      return out;
    };
    const tables = [cos, sin].map((t, i) =>
      g.one('Gather', [
        g.initializer(`rope${theta}_${i}`, [config.maxPositionEmbeddings, d], full(t)),
        positions,
      ]),
    ) as [string, string];
    rope.set(theta, tables);
    return tables;
  };
  const rotate = (x: string, [cos, sin]: [string, string]) => {
    const x1 = g.one('Slice', [x, g.constInt64([0]), g.constInt64([d / 2]), g.constInt64([3])]);
    const x2 = g.one('Slice', [x, g.constInt64([d / 2]), g.constInt64([d]), g.constInt64([3])]);
    const half = g.one('Concat', [g.one('Neg', [x2]), x1], { axis: 3 });
    return g.one('Add', [g.one('Mul', [x, cos]), g.one('Mul', [half, sin])]);
  };
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const l = `layers.${i}`;
    const isGlobal = config.layerTypes[i] === 'full_attention';
    const tables = ropeFor(isGlobal ? config.globalRopeTheta : config.localRopeTheta);
    const x = i === 0 ? h : p.layerNorm(h, `${l}.attn_norm`, H, eps, bias);
    const qkv = p.linear(x, `${l}.attn.Wqkv`, H, 3 * H, config.attentionBias);
    const split = g.one('Transpose', [g.one('Reshape', [qkv, g.constInt64([0, 0, 3, N, d])])], {
      perm: [2, 0, 3, 1, 4],
    });
    const [q, k, v] = g
      .op('Split', [split, g.constInt64([1, 1, 1])], { attrs: { axis: 0 }, outputs: 3 })
      .map((part) => g.one('Squeeze', [part, g.constInt64([0])])) as [string, string, string];
    const context = p.attention(rotate(q, tables), rotate(k, tables), v, isGlobal ? global : sliding, N, d);
    h = g.one('Add', [h, p.linear(context, `${l}.attn.Wo`, H, H, config.attentionBias)]);
    const wi = p.linear(
      p.layerNorm(h, `${l}.mlp_norm`, H, eps, bias),
      `${l}.mlp.Wi`,
      H,
      2 * I,
      config.mlpBias,
    );
    const [input, gate] = g.op('Split', [wi, g.constInt64([I, I])], { attrs: { axis: -1 }, outputs: 2 }) as [
      string,
      string,
    ];
    h = g.one('Add', [h, p.linear(g.one('Mul', [p.gelu(input), gate]), `${l}.mlp.Wo`, I, H, config.mlpBias)]);
  }
  return p.layerNorm(h, 'final_norm', H, eps, bias);
}

/**
 * The plain-op encoder (no head) of `config`: random weights by default, or a checkpoint's through a
 * WeightReader (`new WeightReader(stateDict, 'bert.' | 'model.')`), which is how it was checked against
 * the transformers references.
 */
export function exportPlainEncoder(
  config: EncoderConfig,
  weights: WeightReader = new RandomWeights(42),
  { quantize = false }: { quantize?: boolean } = {},
): ModelProto {
  const g = new GraphBuilder();
  const p = new Plain(g, weights, quantize);
  const dims = ['batch', 'sequence'];
  const ids = g.input('input_ids', 'int64', dims);
  const mask = g.input('attention_mask', 'int64', dims);
  const hidden =
    config.modelType === 'bert'
      ? bert(p, config, ids, mask, g.input('token_type_ids', 'int64', dims))
      : modernBert(p, config, ids, mask);
  g.output(hidden, 'last_hidden_state', 'float32', [...dims, config.hiddenSize]);
  return g.build(`${config.modelType}-plain`, 'plain-op encoder in the style of torch.onnx.export');
}
