import type { BertConfig } from '@bcmb/modeling';
import type { GraphBuilder } from './graph.js';
import {
  activation,
  addBias,
  type EmitOptions,
  embeddingTable,
  firstToken,
  fullAttention,
  layerNorm,
  linear,
  maskAsInt32,
  matmul,
  project,
  skipLayerNorm,
  splitLast,
} from './layers.js';
import type { EncoderGraph, HeadInputs } from './model-graph.js';
import { tokenLayout } from './unpad.js';
import type { WeightReader } from './weights.js';

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

/** BertSelfOutput and BertOutput: `LayerNorm(dense(x) + residual)`, the add and bias fused into the norm. */
function denseAddNorm(
  g: GraphBuilder,
  w: WeightReader,
  x: string,
  residual: string,
  prefix: string,
  [inDim, H]: [number, number],
  eps: number,
  quantize: boolean,
): string {
  return skipLayerNorm(
    g,
    project(
      g,
      w,
      x,
      `${prefix}.dense.weight`,
      [inDim, H],
      quantize,
      true,
      w.get(`${prefix}.dense.bias`, [H]),
    ),
    residual,
    w.get(`${prefix}.LayerNorm.weight`, [H]),
    w.get(`${prefix}.LayerNorm.bias`, [H]),
    undefined,
    eps,
    `${prefix}.LayerNorm`,
  ).normed;
}

/** BERT (post-LN) as `transformers`' BertModel computes it, on ORT fused ops. */
export function bertEncoder(
  g: GraphBuilder,
  config: BertConfig,
  w: WeightReader,
  inputs: { inputIds: string; attentionMask: string; tokenTypeIds: string },
  { quantize, unpad }: EmitOptions,
): EncoderGraph {
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const eps = config.layerNormEps;
  const e = 'embeddings';
  const table = (name: string, rows: number) => embeddingTable(g, w, `${e}.${name}.weight`, rows, H);
  const words = g.one('Gather', [table('word_embeddings', config.vocabSize), inputs.inputIds]);
  const types = g.one('Gather', [table('token_type_embeddings', config.typeVocabSize), inputs.tokenTypeIds]);
  const seqLen = g.one('Shape', [inputs.inputIds], { start: 1, end: 2 });
  const positions = g.one('Slice', [
    table('position_embeddings', config.maxPositionEmbeddings),
    g.constInt64([0]),
    seqLen,
    g.constInt64([0]),
  ]);
  const summed = g.one('Add', [g.one('Add', [words, types]), positions]);
  let h = layerNorm(
    g,
    summed,
    w.get(`${e}.LayerNorm.weight`, [H]),
    w.get(`${e}.LayerNorm.bias`, [H]),
    eps,
    'emb_ln',
  );
  const layout = tokenLayout(g, inputs.attentionMask, unpad);
  h = layout.toDense(h, H);

  const mask = maskAsInt32(g, inputs.attentionMask);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}`;
    const a = `${p}.attention`;
    const qkvWeight = concatColumns(
      ['query', 'key', 'value'].map((n) => w.linearWeight(`${a}.self.${n}.weight`, H, H)),
      H,
    );
    const qkvBias = concat(['query', 'key', 'value'].map((n) => w.get(`${a}.self.${n}.bias`, [H])));
    // int8: the biases go into DynamicQuantizeMatMul; float32: into the fused op that follows.
    const qkv = layout.toPadded(
      matmul(g, h, qkvWeight, H, 3 * H, `${p}.qkv.weight`, quantize, quantize ? qkvBias : undefined),
      3 * H,
    );
    const [q, k, v] = splitLast(g, qkv, 3, H) as [string, string, string];
    const attentionBias = quantize ? undefined : g.initializer(`${p}.qkv.bias`, [3 * H], qkvBias);
    const context = layout.toDense(
      fullAttention(g, q, k, v, mask, config.numAttentionHeads, attentionBias),
      H,
    );
    const h1 = denseAddNorm(g, w, context, h, `${a}.output`, [H, H], eps, quantize);
    const interWeight = w.linearWeight(`${p}.intermediate.dense.weight`, H, I);
    const interBias = w.get(`${p}.intermediate.dense.bias`, [I]);
    const inter = activation(
      g,
      matmul(
        g,
        h1,
        interWeight,
        H,
        I,
        `${p}.intermediate.dense.weight`,
        quantize,
        quantize ? interBias : undefined,
      ),
      quantize ? undefined : interBias,
      config.hiddenAct,
      `${p}.intermediate.dense.bias`,
    );
    h = denseAddNorm(g, w, inter, h1, `${p}.output`, [I, H], eps, quantize);
  }
  return { lastHiddenState: layout.toPadded(h, H) };
}

/** `cls.predictions`: transform (dense, activation, LayerNorm), then the decoder tied to the word embeddings. */
export function bertMaskedLmHead(
  g: GraphBuilder,
  config: BertConfig,
  w: WeightReader,
  { hidden }: HeadInputs,
): string {
  const H = config.hiddenSize;
  const t = 'cls.predictions.transform';
  const dense = project(g, w, hidden, `${t}.dense.weight`, [H, H], false, false);
  const act = activation(g, dense, w.get(`${t}.dense.bias`, [H], false), config.hiddenAct, `${t}.dense.bias`);
  const normed = layerNorm(
    g,
    act,
    w.get(`${t}.LayerNorm.weight`, [H], false),
    w.get(`${t}.LayerNorm.bias`, [H], false),
    config.layerNormEps,
    `${t}.LayerNorm`,
  );
  const decoder = w.has('cls.predictions.decoder.weight', false)
    ? 'cls.predictions.decoder.weight'
    : 'embeddings.word_embeddings.weight';
  const table = w.linearWeight(decoder, H, config.vocabSize, decoder.startsWith('cls.') === false);
  return linear(
    g,
    normed,
    table,
    w.get('cls.predictions.bias', [config.vocabSize], false),
    [H, config.vocabSize],
    'cls.predictions.decoder',
  );
}

/** BertForSequenceClassification: tanh pooler on [CLS], then the classifier. */
export function bertSequenceHead(
  g: GraphBuilder,
  config: BertConfig,
  w: WeightReader,
  { hidden }: HeadInputs,
): string {
  const H = config.hiddenSize;
  const pooled = g.one('Tanh', [
    linear(
      g,
      firstToken(g, hidden),
      w.linearWeight('pooler.dense.weight', H, H),
      w.get('pooler.dense.bias', [H]),
      [H, H],
      'pooler.dense',
    ),
  ]);
  return classifier(g, w, pooled, H, config.numLabels);
}

/** BertForTokenClassification: the classifier on every token. */
export function bertTokenHead(
  g: GraphBuilder,
  config: BertConfig,
  w: WeightReader,
  { hidden }: HeadInputs,
): string {
  return classifier(g, w, hidden, config.hiddenSize, config.numLabels);
}

/** The task models' `classifier` Linear (with bias), outside the backbone. */
export function classifier(
  g: GraphBuilder,
  w: WeightReader,
  x: string,
  inDim: number,
  numLabels: number,
): string {
  return addBias(
    g,
    project(g, w, x, 'classifier.weight', [inDim, numLabels], false, false),
    w.get('classifier.bias', [numLabels], false),
    'classifier.bias',
  );
}
