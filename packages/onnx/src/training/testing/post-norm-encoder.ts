import { gelu } from '../../autodiff/units.js';
import { type Dim, GraphBuilder, MS_DOMAIN } from '../../graph.js';
import type { TrainableParameter, TrainingModel } from '../session.js';

/**
 * A BERT-shaped post-norm encoder classifier written directly with GraphBuilder (word + position embeddings,
 * LayerNorm, per layer Q/K/V projections, masked softmax attention, output projection, Add + LayerNorm, erf
 * GELU MLP, Add + LayerNorm; CLS pooling; linear classifier; mean cross-entropy with -100 ignored). The test
 * and benchmark model of the training engine until the family descriptions drive it.
 */
/** Added to the scores of padding keys (as the inference graphs' MASK_FILL). */
export const MASK_FILL = -1e30;

export interface EncoderShape {
  vocab: number;
  hidden: number;
  heads: number;
  mlp: number;
  layers: number;
  labels: number;
  batch: number;
  seq: number;
  /** LayerNorm epsilon (BERT: 1e-12). */
  eps: number;
}

export interface EncoderOptions {
  /** Attention scores as FusedMatMul(q, k, transB, alpha) instead of Transpose + MatMul + scaling. */
  fusedScores?: boolean;
  /**
   * GELU as ORT's com.microsoft Gelu (`contrib`, default, with autodiff's fused backward rule; measured a little
   * faster in a 2-layer step), autodiff's `gelu()` unit (`unit`: standard nodes, one closed-form backward), or
   * 0.5·x·(1 + erf(x/√2)) differentiated node by node (`composed`).
   */
  gelu?: 'unit' | 'contrib' | 'composed';
  /**
   * Symbolic `batch` and `seq` axes (one session for every batch shape): shapes come from `Shape` of the ids,
   * positions from a `position_ids` input (`[seq]`, int64).
   */
  dynamic?: boolean;
}

/** One parameter's name, dims, decay group and initial values. */
export interface EncoderParameter extends TrainableParameter {
  dims: number[];
}

/** Parameters in HF order; Linear weights in torch's `[out, in]` layout (Gemm transB). */
export function encoderParameters(
  shape: EncoderShape,
  random: (n: number, scale: number) => Float32Array,
): EncoderParameter[] {
  const { vocab, hidden: h, mlp, layers, labels, seq } = shape;
  const out: EncoderParameter[] = [];
  const add = (name: string, dims: number[], decay: boolean, init: 'normal' | 'ones' | 'zeros' | 'small') => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data =
      init === 'ones'
        ? new Float32Array(n).fill(1)
        : init === 'zeros'
          ? new Float32Array(n)
          : random(n, init === 'small' ? 0.02 : 0.2);
    out.push({ name, dims, decay, data });
  };
  const layerNorm = (prefix: string) => {
    add(`${prefix}.weight`, [h], false, 'ones');
    add(`${prefix}.bias`, [h], false, 'small');
  };
  const linear = (prefix: string, inDim: number, outDim: number) => {
    add(`${prefix}.weight`, [outDim, inDim], true, 'normal');
    add(`${prefix}.bias`, [outDim], false, 'small');
  };
  add('embeddings.word_embeddings.weight', [vocab, h], true, 'normal');
  add('embeddings.position_embeddings.weight', [seq, h], true, 'normal');
  layerNorm('embeddings.LayerNorm');
  for (let i = 0; i < layers; i++) {
    const p = `encoder.layer.${i}`;
    linear(`${p}.attention.self.query`, h, h);
    linear(`${p}.attention.self.key`, h, h);
    linear(`${p}.attention.self.value`, h, h);
    linear(`${p}.attention.output.dense`, h, h);
    layerNorm(`${p}.attention.output.LayerNorm`);
    linear(`${p}.intermediate.dense`, h, mlp);
    linear(`${p}.output.dense`, mlp, h);
    layerNorm(`${p}.output.LayerNorm`);
  }
  linear('classifier', h, labels);
  return out;
}

/** The forward graph with its loss; inputs `input_ids` (int64), `attention_mask` (float32 1/0), `labels` (int64). */
export function buildEncoderClassifier(
  shape: EncoderShape,
  parameters: readonly EncoderParameter[],
  options: EncoderOptions = {},
): TrainingModel {
  const { hidden: h, heads, layers, eps } = shape;
  const hd = h / heads;
  const b: Dim = options.dynamic ? 'batch' : shape.batch;
  const l: Dim = options.dynamic ? 'seq' : shape.seq;
  const g = new GraphBuilder();
  const ids = g.input('input_ids', 'int64', [b, l]);
  const mask = g.input('attention_mask', 'float32', [b, l]);
  const labels = g.input('labels', 'int64', [b]);
  const p = new Map(parameters.map((q) => [q.name, g.input(q.name, 'float32', q.dims)]));
  const w = (name: string) => p.get(name) as string;
  const ln = (x: string, prefix: string) =>
    g.one('LayerNormalization', [x, w(`${prefix}.weight`), w(`${prefix}.bias`)], {
      axis: -1,
      epsilon: { float: eps },
    });
  const dense = (x: string, prefix: string) =>
    g.one('Gemm', [x, w(`${prefix}.weight`), w(`${prefix}.bias`)], { transB: 1 });
  // [B, L] followed by the given dims, static or from Shape(input_ids).
  const batchShape = (tail: number[]) =>
    options.dynamic
      ? g.one('Concat', [g.one('Shape', [ids]), g.constInt64(tail)], { axis: 0 })
      : g.constInt64([shape.batch, shape.seq, ...tail]);

  const positions = options.dynamic
    ? g.input('position_ids', 'int64', [l])
    : g.constInt64(Array.from({ length: shape.seq }, (_, i) => i));
  const embedded = g.one('Add', [
    g.one('Gather', [w('embeddings.word_embeddings.weight'), ids], { axis: 0 }),
    g.one('Gather', [w('embeddings.position_embeddings.weight'), positions], { axis: 0 }),
  ]);
  // Rows of tokens: [B·L, H]; the dense layers are plain 2-D GEMMs.
  const rows = g.constInt64([-1, h]);
  let x = g.one('Reshape', [ln(embedded, 'embeddings.LayerNorm'), rows]);
  const maskBias = g.one('Unsqueeze', [
    g.one('Mul', [g.one('Sub', [mask, g.constFloat([1], true)]), g.constFloat([-MASK_FILL], true)]),
    g.constInt64([1, 2]),
  ]);
  const headShape = batchShape([heads, hd]);
  const splitHeads = (t: string, perm: number[]) =>
    g.one('Transpose', [g.one('Reshape', [t, headShape])], { perm });
  for (let i = 0; i < layers; i++) {
    const prefix = `encoder.layer.${i}`;
    const q = splitHeads(dense(x, `${prefix}.attention.self.query`), [0, 2, 1, 3]);
    const v = splitHeads(dense(x, `${prefix}.attention.self.value`), [0, 2, 1, 3]);
    const kRaw = dense(x, `${prefix}.attention.self.key`);
    const scores = options.fusedScores
      ? g.one(
          'FusedMatMul',
          [q, splitHeads(kRaw, [0, 2, 1, 3])],
          { transB: 1, alpha: { float: 1 / Math.sqrt(hd) } },
          MS_DOMAIN,
        )
      : g.one('Div', [
          g.one('MatMul', [q, splitHeads(kRaw, [0, 2, 3, 1])]),
          g.constFloat([Math.sqrt(hd)], true),
        ]);
    const probs = g.one('Softmax', [g.one('Add', [scores, maskBias])], { axis: -1 });
    const context = g.one('Reshape', [
      g.one('Transpose', [g.one('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }),
      rows,
    ]);
    const attn = dense(context, `${prefix}.attention.output.dense`);
    x = ln(g.one('Add', [attn, x]), `${prefix}.attention.output.LayerNorm`);
    const up = dense(x, `${prefix}.intermediate.dense`);
    const geluKind = options.gelu ?? 'contrib';
    const act =
      geluKind === 'unit'
        ? gelu(g, up)
        : geluKind === 'contrib'
          ? g.one('Gelu', [up], {}, MS_DOMAIN)
          : g.one('Mul', [
              g.one('Mul', [up, g.constFloat([0.5], true)]),
              g.one('Add', [
                g.constFloat([1], true),
                g.one('Erf', [g.one('Mul', [up, g.constFloat([Math.SQRT1_2], true)])]),
              ]),
            ]);
    x = ln(g.one('Add', [dense(act, `${prefix}.output.dense`), x]), `${prefix}.output.LayerNorm`);
  }
  const cls = g.one('Gather', [g.one('Reshape', [x, batchShape([h])]), g.constInt64([0], true)], {
    axis: 1,
  });
  const logits = dense(cls, 'classifier');
  const [loss] = g.op('SoftmaxCrossEntropyLoss', [logits, labels], {
    attrs: { ignore_index: -100, reduction: 'mean' },
    outputs: 1,
  });
  return { graph: g, loss: loss as string, parameters };
}
