import { type EncoderShape, MASK_FILL } from './post-norm-encoder.js';

/** erf in float64: Taylor series for |x| < 3, continued fraction of erfc beyond (both below 1e-13 error). */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …))))
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export interface ReferenceBatch {
  inputIds: number[];
  attentionMask: number[];
  labels: number[];
}

/**
 * The post-norm encoder classifier's mean cross-entropy in plain float64 JavaScript, the same maths as
 * buildEncoderClassifier (the reference its float32 ONNX graph and its training steps are checked against).
 */
export function referenceEncoderLoss(
  shape: EncoderShape,
  params: ReadonlyMap<string, Float64Array>,
  batch: ReferenceBatch,
): number {
  const { hidden: h, heads, mlp, layers, labels: c, batch: b, seq: l, eps } = shape;
  const hd = h / heads;
  const P = (name: string) => params.get(name) as Float64Array;
  const t = b * l;
  // y[rows, out] = x[rows, in] · Wᵀ + bias (W is [out, in]).
  const linear = (x: Float64Array, rows: number, inDim: number, outDim: number, prefix: string) => {
    const wt = P(`${prefix}.weight`);
    const bias = P(`${prefix}.bias`);
    const y = new Float64Array(rows * outDim);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < outDim; o++) {
        let s = bias[o] as number;
        for (let k = 0; k < inDim; k++) s += (x[r * inDim + k] as number) * (wt[o * inDim + k] as number);
        y[r * outDim + o] = s;
      }
    return y;
  };
  const layerNorm = (x: Float64Array, rows: number, prefix: string) => {
    const gamma = P(`${prefix}.weight`);
    const beta = P(`${prefix}.bias`);
    const y = new Float64Array(rows * h);
    for (let r = 0; r < rows; r++) {
      let mean = 0;
      for (let k = 0; k < h; k++) mean += x[r * h + k] as number;
      mean /= h;
      let variance = 0;
      for (let k = 0; k < h; k++) variance += ((x[r * h + k] as number) - mean) ** 2;
      variance /= h;
      const inv = 1 / Math.sqrt(variance + eps);
      for (let k = 0; k < h; k++)
        y[r * h + k] = ((x[r * h + k] as number) - mean) * inv * (gamma[k] as number) + (beta[k] as number);
    }
    return y;
  };
  const add = (a: Float64Array, bb: Float64Array) => a.map((v, i) => v + (bb[i] as number));

  const word = P('embeddings.word_embeddings.weight');
  const pos = P('embeddings.position_embeddings.weight');
  let x = new Float64Array(t * h);
  for (let r = 0; r < t; r++) {
    const id = batch.inputIds[r] as number;
    for (let k = 0; k < h; k++)
      x[r * h + k] = (word[id * h + k] as number) + (pos[(r % l) * h + k] as number);
  }
  x = layerNorm(x, t, 'embeddings.LayerNorm');
  for (let i = 0; i < layers; i++) {
    const prefix = `encoder.layer.${i}`;
    const q = linear(x, t, h, h, `${prefix}.attention.self.query`);
    const k = linear(x, t, h, h, `${prefix}.attention.self.key`);
    const v = linear(x, t, h, h, `${prefix}.attention.self.value`);
    const context = new Float64Array(t * h);
    const scores = new Float64Array(l);
    for (let s = 0; s < b; s++)
      for (let head = 0; head < heads; head++)
        for (let qi = 0; qi < l; qi++) {
          let max = Number.NEGATIVE_INFINITY;
          for (let ki = 0; ki < l; ki++) {
            let dot = 0;
            for (let d = 0; d < hd; d++)
              dot +=
                (q[(s * l + qi) * h + head * hd + d] as number) *
                (k[(s * l + ki) * h + head * hd + d] as number);
            const masked =
              dot / Math.sqrt(hd) + (1 - (batch.attentionMask[s * l + ki] as number)) * MASK_FILL;
            scores[ki] = masked;
            max = Math.max(max, masked);
          }
          let total = 0;
          for (let ki = 0; ki < l; ki++) {
            scores[ki] = Math.exp((scores[ki] as number) - max);
            total += scores[ki] as number;
          }
          for (let d = 0; d < hd; d++) {
            let sum = 0;
            for (let ki = 0; ki < l; ki++)
              sum += ((scores[ki] as number) / total) * (v[(s * l + ki) * h + head * hd + d] as number);
            context[(s * l + qi) * h + head * hd + d] = sum;
          }
        }
    x = layerNorm(
      add(linear(context, t, h, h, `${prefix}.attention.output.dense`), x),
      t,
      `${prefix}.attention.output.LayerNorm`,
    );
    const up = linear(x, t, h, mlp, `${prefix}.intermediate.dense`).map(
      (u) => 0.5 * u * (1 + erf(u * Math.SQRT1_2)),
    );
    x = layerNorm(add(linear(up, t, mlp, h, `${prefix}.output.dense`), x), t, `${prefix}.output.LayerNorm`);
  }
  const cls = new Float64Array(b * h);
  for (let s = 0; s < b; s++) for (let k = 0; k < h; k++) cls[s * h + k] = x[s * l * h + k] as number;
  const logits = linear(cls, b, h, c, 'classifier');
  let loss = 0;
  let count = 0;
  for (let s = 0; s < b; s++) {
    const label = batch.labels[s] as number;
    if (label === -100) continue;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c; j++) max = Math.max(max, logits[s * c + j] as number);
    let total = 0;
    for (let j = 0; j < c; j++) total += Math.exp((logits[s * c + j] as number) - max);
    loss -= (logits[s * c + label] as number) - max - Math.log(total);
    count += 1;
  }
  return loss / count;
}

/** Central finite differences of `loss` with respect to every parameter (float64, step h). */
export function finiteDifferenceGradients(
  params: Map<string, Float64Array>,
  loss: () => number,
  h = 1e-6,
): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const [name, values] of params) {
    const grad = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const keep = values[i] as number;
      values[i] = keep + h;
      const up = loss();
      values[i] = keep - h;
      const down = loss();
      values[i] = keep;
      grad[i] = (up - down) / (2 * h);
    }
    out.set(name, grad);
  }
  return out;
}
