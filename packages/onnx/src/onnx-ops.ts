import {
  type Activation,
  type AttentionSpec,
  type EmbeddingIds,
  type EncoderBlock,
  type EncoderOps,
  type Pooling,
  type Projection,
  type QkvProjections,
  ropeTables,
} from '@bcmb/architectures';
import { type GraphBuilder, MS_DOMAIN } from './graph.js';
import {
  activation,
  fullAttention,
  layerNorm,
  maskAsFloat,
  maskAsInt32,
  matmul,
  splitLast,
} from './layers.js';
import { slidingAttention } from './sliding-attention.js';
import {
  additiveBandMask,
  additivePaddingMask,
  dynamicQuantizedMatMul,
  fullWidthTable,
  rotateHalfRope,
  scaledDotProduct,
  splitHeads,
  standardActivation,
} from './standard-kernels.js';
import { type TokenLayout, tokenLayout } from './unpad.js';
import { type ParameterValues, transpose } from './weights.js';

/**
 * A value of the graph: `name`, plus a bias still to be added. Keeping the bias apart lets the next operation fold
 * it into a fused kernel (BiasGelu, MultiHeadAttention's bias input) instead of a separate Add.
 */
export interface OnnxValue {
  name: string;
  /** Size of the last axis. */
  width: number;
  /** One row per sequence (after pooling), not per token. */
  perSequence?: boolean;
  bias?: string;
}

export interface OnnxGraphInputs {
  /** int64 `[B, L]`. */
  inputIds: string;
  /** int64 `[B, L]`. */
  attentionMask: string;
  /** int64 `[B, L]`, for families that use token types. */
  tokenTypeIds?: string;
}

export interface OnnxOpsOptions {
  /** int8 weights with per-output-channel scales for the encoder layers' linear layers (heads stay float32). */
  quantize: boolean;
  /** Run the per-token layers on real tokens only (see unpad.ts). */
  unpad: boolean;
  /** Longest sequence the rotary tables cover (the config's max_position_embeddings). */
  maxPositions: number;
  /**
   * `fused` (default): ORT's contrib kernels (MultiHeadAttention, RotaryEmbedding, BiasGelu,
   * DynamicQuantizeMatMul), sliding windows as blocks. `standard`: opset-17 ops only, as `torch.onnx.export`
   * writes `transformers`' eager code (full L × L masks, rotate_half, erf GELU): what the training graphs
   * differentiate, and the bench's stand-in for the transformers.js route.
   */
  kernels?: 'fused' | 'standard';
  /**
   * Training graphs: parameters are graph inputs named by their `transformers` name (so a session can feed and
   * update them), linear layers are `Gemm(x, W, b, transB=1)` on the PyTorch `[out, in]` weight, dropout multiplies
   * by a mask input (`dropoutMasks` lists them), and padding uses Gather (which has a gradient) instead of
   * ScatterND. Implies standard kernels.
   */
  training?: boolean;
  /**
   * Training graphs' dropout masks: `inputs` (the caller feeds each mask, e.g. from the trainer's seeded
   * generator; exact and reproducible, but an attention mask is `[B, heads, L, L]` per layer) or `graph` (drawn
   * inside the graph by RandomUniformLike, one fixed seed per node: reproducible from the start of a session) or
   * `none` (no dropout: the forward of an evaluation).
   */
  dropoutMasks?: 'inputs' | 'graph' | 'none';
  /** First seed of the masks drawn in the graph (node i draws with `dropoutSeed + i`); default 1. */
  dropoutSeed?: number;
}

/** A dropout mask the caller feeds: 0 or 1/(1-rate) per element, shaped like the value it multiplies. */
export interface DropoutMask {
  input: string;
  rate: number;
  /** `rows`: `[tokens, width]` dense rows; `sequences`: `[B, width]` pooled rows; `attention`: `[B, heads, L, L]`. */
  kind: 'rows' | 'sequences' | 'attention';
  width: number;
}

/**
 * The model operations as an ONNX inference graph on ONNX Runtime's fused kernels. Rows are 2-D `[tokens, width]`:
 * the batch's real tokens when unpadded, else every padded position; attention scatters them back into
 * `[B, L, width]` sequences and gathers its output again.
 */
export class OnnxOps implements EncoderOps<OnnxValue> {
  private readonly layout: TokenLayout;
  private readonly initializers = new Map<string, string>();
  private readonly ropeCaches = new Map<number, [string, string]>();
  private inBlocks = false;
  private readonly standard: boolean;
  private readonly standardMasks = new Map<string, string>();
  private positionsValue?: string;
  private readonly training: boolean;
  private readonly parameterInputs = new Map<string, string>();
  /** The dropout masks a training graph takes, in creation order. */
  readonly dropoutMasks: DropoutMask[] = [];
  private keyMaskInt?: string;
  private keyMaskFloat?: string;

  constructor(
    private readonly g: GraphBuilder,
    private readonly weights: ParameterValues,
    private readonly inputs: OnnxGraphInputs,
    private readonly options: OnnxOpsOptions,
  ) {
    this.training = options.training === true;
    this.layout = tokenLayout(g, inputs.attentionMask, options.unpad, this.training ? 'gather' : 'scatter');
    this.standard = options.kernels === 'standard' || this.training;
  }

  /** Adds the pending bias, if any. */
  value(x: OnnxValue): string {
    if (!x.bias) return x.name;
    return this.g.one('Add', [x.name, x.bias]);
  }

  /** `[B, L]` per-token ids (e.g. token labels) → the `[tokens]` ids of the rows. */
  denseIds(ids: string): string {
    return this.layout.denseIds(ids);
  }

  /** Rows → `[B, L, width]`. */
  padded(x: OnnxValue): string {
    return this.layout.toPadded(this.value(x), x.width);
  }

  /** A parameter as an initializer (each name once), in PyTorch layout. */
  private initializer(name: string, dims: number[]): string {
    if (this.training) return this.parameterInput(name);
    let init = this.initializers.get(name);
    if (init === undefined) {
      init = this.g.initializer(name, dims, this.weights.get(name));
      this.initializers.set(name, init);
    }
    return init;
  }

  /** A parameter as a float32 graph input (training graphs), each name once. */
  private parameterInput(name: string): string {
    let input = this.parameterInputs.get(name);
    if (input === undefined) {
      input = this.g.input(name, 'float32', this.weights.shape(name));
      this.parameterInputs.set(name, input);
    }
    return input;
  }

  /** The graph inputs of the parameters the forward read, by `transformers` name (training graphs). */
  get parameterNames(): string[] {
    return [...this.parameterInputs.keys()];
  }

  private vector(name: string): string {
    return this.initializer(name, this.weights.shape(name));
  }

  embed(table: string, ids: EmbeddingIds): OnnxValue {
    const shape = this.weights.shape(table);
    const tableInit = this.initializer(table, shape);
    const g = this.g;
    let idsPadded: string;
    if (ids === 'tokens') idsPadded = this.inputs.inputIds;
    else if (ids === 'token-types') {
      // A graph without a token_type_ids input reads row 0 for every token, as BertEmbeddings does.
      idsPadded = this.inputs.tokenTypeIds ?? g.one('Mul', [this.inputs.inputIds, g.constInt64([0], true)]);
    } else {
      const length = g.one('Shape', [this.inputs.inputIds], { start: 1, end: 2 });
      const positions = g.one('Range', [
        g.constInt64([0], true),
        g.one('Squeeze', [length, g.constInt64([0])]),
        g.constInt64([1], true),
      ]);
      idsPadded = g.one('Expand', [positions, g.one('Shape', [this.inputs.inputIds])]);
    }
    return { name: g.one('Gather', [tableInit, this.layout.denseIds(idsPadded)]), width: shape[1] as number };
  }

  linear(x: OnnxValue, { weight, bias }: Projection): OnnxValue {
    const g = this.g;
    const [outDim, inDim] = this.weights.shape(weight) as [number, number];
    const input = this.value(x);
    if (this.training) {
      const inputs = [input, this.parameterInput(weight)];
      if (bias !== undefined) inputs.push(this.parameterInput(bias));
      return { name: g.one('Gemm', inputs, { transB: 1 }), width: outDim, perSequence: x.perSequence };
    }
    if (this.weights.role(weight) !== 'linear') {
      // A tied decoder reading the [vocab, H] embedding table: Gemm with transB on the shared initializer.
      const product = g.one('Gemm', [input, this.initializer(weight, [outDim, inDim])], { transB: 1 });
      return { name: product, width: outDim, bias: bias === undefined ? undefined : this.vector(bias) };
    }
    const kernel = transpose(this.weights.get(weight), outDim, inDim);
    const pendingBias = bias === undefined ? undefined : this.vector(bias);
    if (this.options.quantize && this.inBlocks && this.standard) {
      const product = dynamicQuantizedMatMul(g, input, kernel, weight, inDim, outDim);
      return { name: product, width: outDim, bias: bias === undefined ? undefined : this.vector(bias) };
    }
    if (this.options.quantize && this.inBlocks) {
      const b = bias === undefined ? undefined : this.weights.get(bias);
      return { name: matmul(g, input, kernel, inDim, outDim, weight, true, b), width: outDim };
    }
    return { name: matmul(g, input, kernel, inDim, outDim, weight, false), width: outDim, bias: pendingBias };
  }

  layerNorm(x: OnnxValue, weight: string, bias: string | undefined, eps: number): OnnxValue {
    if (this.training) {
      const width = this.weights.shape(weight)[0] as number;
      const beta =
        bias === undefined
          ? this.g.initializer(`${weight}_zero_bias`, [width], new Float32Array(width))
          : this.parameterInput(bias);
      return {
        name: this.g.one('LayerNormalization', [this.value(x), this.parameterInput(weight), beta], {
          axis: -1,
          epsilon: { float: eps },
        }),
        width: x.width,
        perSequence: x.perSequence,
      };
    }
    const gamma = this.weights.get(weight);
    const beta = bias === undefined ? undefined : this.weights.get(bias);
    return {
      name: layerNorm(this.g, this.value(x), gamma, beta, eps, weight.replace(/\.weight$/, '')),
      width: x.width,
    };
  }

  add(a: OnnxValue, b: OnnxValue): OnnxValue {
    return { name: this.g.one('Add', [this.value(a), this.value(b)]), width: a.width };
  }

  activation(x: OnnxValue, act: Activation): OnnxValue {
    const g = this.g;
    if (this.standard)
      return { name: standardActivation(g, this.value(x), act), width: x.width, perSequence: x.perSequence };
    if (act === 'gelu' && x.bias)
      return { name: g.one('BiasGelu', [x.name, x.bias], {}, MS_DOMAIN), width: x.width };
    return { name: activation(g, this.value(x), undefined, act, 'act'), width: x.width };
  }

  gatedActivation(x: OnnxValue, act: Activation): OnnxValue {
    const half = x.width / 2;
    const [input, gate] = splitLast(this.g, this.value(x), 2, half) as [string, string];
    const activated = this.standard
      ? standardActivation(this.g, input, act)
      : activation(this.g, input, undefined, act, 'act');
    return { name: this.g.one('Mul', [activated, gate]), width: half };
  }

  attention(x: OnnxValue, projections: QkvProjections, spec: AttentionSpec): OnnxValue {
    if (this.standard) return this.standardAttention(x, projections, spec);
    const g = this.g;
    const H = spec.numHeads * spec.headDim;
    const qkv =
      'fused' in projections ? this.linear(x, projections.fused) : this.concatenatedQkv(x, projections);
    let context: string;
    if (!spec.rope && spec.window.kind === 'full') {
      // MultiHeadAttention adds the q ‖ k ‖ v bias itself.
      const [q, k, v] = splitLast(g, this.layout.toPadded(qkv.name, 3 * H), 3, H) as [string, string, string];
      context = fullAttention(g, q, k, v, this.keyMask(), spec.numHeads, qkv.bias);
    } else {
      const padded = this.padded(qkv);
      const rotate = spec.rope ? this.rotary(spec.rope.theta, spec) : (value: string) => value;
      if (spec.window.kind === 'full') {
        const [q, k, v] = splitLast(g, padded, 3, H) as [string, string, string];
        context = fullAttention(g, rotate(q), rotate(k), v, this.keyMask(), spec.numHeads);
      } else {
        context = slidingAttention(g, padded, this.keyMaskAsFloat(), rotate, {
          numHeads: spec.numHeads,
          headDim: spec.headDim,
          halfWindow: spec.window.halfWindow,
        });
      }
    }
    return { name: this.layout.toDense(context, H), width: H };
  }

  private standardAttention(x: OnnxValue, projections: QkvProjections, spec: AttentionSpec): OnnxValue {
    const g = this.g;
    const { numHeads: N, headDim: d } = spec;
    const H = N * d;
    let parts: [string, string, string];
    if ('fused' in projections) {
      parts = splitLast(g, this.padded(this.linear(x, projections.fused)), 3, H) as [string, string, string];
    } else {
      const { query, key, value } = projections;
      parts = [query, key, value].map((p) => this.padded(this.linear(x, p))) as [string, string, string];
    }
    let [q, k, v] = parts.map((part) => splitHeads(g, part, N, d)) as [string, string, string];
    if (spec.rope) {
      const [cos, sin] = this.fullRopeTables(spec.rope.theta, d);
      q = rotateHalfRope(g, q, cos, sin, d);
      k = rotateHalfRope(g, k, cos, sin, d);
    }
    const context = scaledDotProduct(g, q, k, v, this.standardMask(spec), d, N, this.attentionDropout(spec));
    return { name: this.layout.toDense(context, H), width: H };
  }

  /** Positions 0..L-1 of the padded batch (int64 `[L]`). */
  private positions(): string {
    if (this.positionsValue === undefined) {
      const g = this.g;
      const length = g.one('Squeeze', [
        g.one('Shape', [this.inputs.inputIds], { start: 1, end: 2 }),
        g.constInt64([0]),
      ]);
      this.positionsValue = g.one('Range', [g.constInt64([0], true), length, g.constInt64([1], true)]);
    }
    return this.positionsValue;
  }

  /** The additive mask of a spec: padding `[B, 1, 1, L]`, or padding plus the sliding band `[B, 1, L, L]`. */
  private standardMask(spec: AttentionSpec): string {
    const key = spec.window.kind === 'full' ? 'full' : `sliding${spec.window.halfWindow}`;
    let mask = this.standardMasks.get(key);
    if (mask === undefined) {
      const padding =
        this.standardMasks.get('full') ?? additivePaddingMask(this.g, this.inputs.attentionMask);
      this.standardMasks.set('full', padding);
      mask =
        spec.window.kind === 'full'
          ? padding
          : additiveBandMask(this.g, padding, this.positions(), spec.window.halfWindow);
      this.standardMasks.set(key, mask);
    }
    return mask;
  }

  /** Full-width `[L, d]` cos and sin for the batch's positions. */
  private fullRopeTables(theta: number, headDim: number): [string, string] {
    const key = -theta;
    let caches = this.ropeCaches.get(key);
    if (caches === undefined) {
      const positions = this.options.maxPositions;
      const { cos, sin } = ropeTables(theta, headDim, positions);
      caches = [cos, sin].map((half, i) =>
        this.g.one('Gather', [
          this.g.initializer(
            `rope${theta}_${i ? 'sin' : 'cos'}`,
            [positions, headDim],
            fullWidthTable(half, positions, headDim),
          ),
          this.positions(),
        ]),
      ) as [string, string];
      this.ropeCaches.set(key, caches);
    }
    return caches;
  }

  /** BERT's query, key and value as one GEMM on their concatenated weights; the biases stay pending. */
  private concatenatedQkv(
    x: OnnxValue,
    { query, key, value }: { query: Projection; key: Projection; value: Projection },
  ): OnnxValue {
    const parts = [query, key, value];
    const [outDim, inDim] = this.weights.shape(query.weight) as [number, number];
    const weight = concatColumns(
      parts.map((p) => transpose(this.weights.get(p.weight), outDim, inDim)),
      inDim,
    );
    const biases = parts.every((p) => p.bias !== undefined)
      ? concat(parts.map((p) => this.weights.get(p.bias as string)))
      : undefined;
    const hint = query.weight.replace(/query\.weight$/, 'qkv.weight');
    const input = this.value(x);
    const width = 3 * outDim;
    if (this.options.quantize && this.inBlocks)
      return { name: matmul(this.g, input, weight, inDim, width, hint, true, biases), width };
    const product = matmul(this.g, input, weight, inDim, width, hint, false);
    if (!biases) return { name: product, width };
    const biasName = this.g.initializer(hint.replace(/weight$/, 'bias'), [width], biases);
    return { name: product, width, bias: biasName };
  }

  private rotary(theta: number, spec: AttentionSpec): (x: string) => string {
    let caches = this.ropeCaches.get(theta);
    if (caches === undefined) {
      const positions = this.options.maxPositions;
      const { cos, sin } = ropeTables(theta, spec.headDim, positions);
      caches = [
        this.g.initializer(`rope_cos_${theta}`, [positions, spec.headDim / 2], cos),
        this.g.initializer(`rope_sin_${theta}`, [positions, spec.headDim / 2], sin),
      ];
      this.ropeCaches.set(theta, caches);
    }
    const [cos, sin] = caches;
    const position0 = this.g.constInt64([0]);
    return (x) =>
      this.g.one(
        'RotaryEmbedding',
        [x, position0, cos, sin],
        { interleaved: 0, num_heads: spec.numHeads },
        MS_DOMAIN,
      );
  }

  private keyMask(): string {
    this.keyMaskInt ??= maskAsInt32(this.g, this.inputs.attentionMask);
    return this.keyMaskInt;
  }

  private keyMaskAsFloat(): string {
    this.keyMaskFloat ??= maskAsFloat(this.g, this.inputs.attentionMask);
    return this.keyMaskFloat;
  }

  dropout(x: OnnxValue, rate: number): OnnxValue {
    if (!this.training || rate === 0 || this.options.dropoutMasks === 'none') return x;
    if (this.options.dropoutMasks === 'graph')
      return {
        ...x,
        bias: undefined,
        name: this.g.one('Mul', [this.value(x), this.drawnMask(this.value(x), rate)]),
      };
    const kind = x.perSequence ? 'sequences' : 'rows';
    const rows = x.perSequence ? 'batch' : 'tokens';
    const input = this.g.input(`dropout_mask_${this.dropoutMasks.length}`, 'float32', [rows, x.width]);
    this.dropoutMasks.push({ input, rate, kind, width: x.width });
    return { name: this.g.one('Mul', [this.value(x), input]), width: x.width, perSequence: x.perSequence };
  }

  /**
   * A dropout mask drawn in the graph, shaped like `x`: 1/(1-rate) where a uniform draw is below 1-rate, else 0.
   * It is drawn from a constant of x's shape, so it carries no gradient.
   */
  private drawnMask(x: string, rate: number): string {
    const g = this.g;
    const shaped = g.one('ConstantOfShape', [g.one('Shape', [x])]);
    const draw = g.one('RandomUniformLike', [shaped], {
      dtype: 1,
      seed: { float: (this.options.dropoutSeed ?? 1) + this.drawnMasks++ },
    });
    const keep = g.one('Cast', [g.one('Less', [draw, g.constFloat([1 - rate], true)])], { to: 1 });
    return g.one('Mul', [keep, g.constFloat([1 / (1 - rate)], true)]);
  }

  private drawnMasks = 0;

  /** The mask of attention-probability dropout, when training with a positive rate. */
  private attentionDropout(spec: AttentionSpec): string | ((probs: string) => string) | undefined {
    if (!this.training || spec.dropout === 0 || this.options.dropoutMasks === 'none') return undefined;
    if (this.options.dropoutMasks === 'graph') return (probs) => this.drawnMask(probs, spec.dropout);
    const input = this.g.input(`dropout_mask_${this.dropoutMasks.length}`, 'float32', [
      'batch',
      spec.numHeads,
      'sequence',
      'sequence',
    ]);
    this.dropoutMasks.push({ input, rate: spec.dropout, kind: 'attention', width: spec.numHeads });
    return input;
  }

  pool(x: OnnxValue, how: Pooling): OnnxValue {
    const g = this.g;
    const sequence = this.padded(x);
    if (how === 'cls')
      return {
        name: g.one('Gather', [sequence, g.constInt64([0], true)], { axis: 1 }),
        width: x.width,
        perSequence: true,
      };
    // Padding rows are zero in the padded layout only when unpadded; mask them explicitly.
    const mask = this.keyMaskAsFloat();
    const axis = g.constInt64([1]);
    const summed = g.one(
      'ReduceSum',
      [g.one('Mul', [sequence, g.one('Unsqueeze', [mask, g.constInt64([-1])])]), axis],
      {
        keepdims: 0,
      },
    );
    return {
      name: g.one('Div', [summed, g.one('ReduceSum', [mask, axis], { keepdims: 1 })]),
      width: x.width,
    };
  }

  blocks(x: OnnxValue, blocks: readonly EncoderBlock<OnnxValue>[]): OnnxValue[] {
    const outputs: OnnxValue[] = [];
    let hidden = x;
    this.inBlocks = true;
    try {
      for (const block of blocks) {
        hidden = block.run(hidden);
        outputs.push(hidden);
      }
    } finally {
      this.inBlocks = false;
    }
    return outputs;
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `[in, a] ++ [in, b] ++ …` along the output axis (fused QKV weight from three `[in, out]` matrices). */
function concatColumns(parts: Float32Array[], inDim: number): Float32Array {
  const widths = parts.map((p) => p.length / inDim);
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(inDim * total);
  for (let r = 0; r < inDim; r++) {
    let col = 0;
    parts.forEach((part, i) => {
      const width = widths[i] as number;
      out.set(part.subarray(r * width, (r + 1) * width), r * total + col);
      col += width;
    });
  }
  return out;
}
