import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';

/** Repository-level fixtures (tiny checkpoints and transformers references), shared with other packages. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
export const MODELS_DIR = `${FIXTURES_DIR}models/`;

export interface RefTensor {
  shape: number[];
  dtype: 'float32' | 'int64';
  data: number[];
}

// biome-ignore lint/suspicious/noExplicitAny: the reference JSON is navigated by key in tests.
export type Reference = any;

const cache = new Map<string, Reference>();

/** One of fixtures/reference/modeling/*.json.gz, parsed once per process. */
export function reference(
  name: 'bert_forward' | 'modernbert_forward' | 'bert_train_step' | 'modernbert_train_step',
) {
  let value = cache.get(name);
  if (!value) {
    value = JSON.parse(
      gunzipSync(readFileSync(`${FIXTURES_DIR}reference/modeling/${name}.json.gz`)).toString('utf8'),
    );
    cache.set(name, value);
  }
  return value;
}

export function toTensor(ref: RefTensor): tf.Tensor {
  return ref.dtype === 'int64'
    ? tf.tensor(ref.data, ref.shape, 'int32')
    : tf.tensor(ref.data, ref.shape, 'float32');
}

/**
 * Largest |actual - expected| over real-token positions: `realTokens` [B, L] (attention mask) selects rows of
 * [B, L, ...] tensors; tensors without a sequence axis are compared whole.
 */
export function maxAbsDiff(actual: tf.Tensor, expected: RefTensor, realTokens?: RefTensor): number {
  const got = actual.dataSync();
  if (got.length !== expected.data.length) {
    throw new Error(`shape mismatch: got [${actual.shape}] expected [${expected.shape}]`);
  }
  const [batch, length] = expected.shape as [number, number];
  const perRow = realTokens ? got.length / (batch * length) : got.length;
  let max = 0;
  for (let i = 0; i < got.length; i++) {
    if (realTokens && realTokens.data[Math.floor(i / perRow)] === 0) continue;
    max = Math.max(max, Math.abs(got[i]! - expected.data[i]!));
  }
  return max;
}

export function relDiff(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

/** A temp model folder holding only config.json and pytorch_model.bin of `folder`, to load the bin. */
export async function binOnlyCopy(folder: string): Promise<string> {
  const { mkdtemp, copyFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(`${tmpdir()}/bcmb-bin-`);
  await copyFile(`${MODELS_DIR}${folder}/config.json`, `${dir}/config.json`);
  await copyFile(`${MODELS_DIR}${folder}/pytorch_model.bin`, `${dir}/pytorch_model.bin`);
  return dir;
}

/** The model inputs of a reference input block (`inputs.batch_a`), with `labels` from the named field. */
export function referenceInputs(input: Reference, labelsField?: string, idsField = 'input_ids') {
  return {
    inputIds: toTensor(input[idsField]) as tf.Tensor2D,
    attentionMask: toTensor(input.attention_mask) as tf.Tensor2D,
    tokenTypeIds: input.token_type_ids ? (toTensor(input.token_type_ids) as tf.Tensor2D) : undefined,
    labels: labelsField ? toTensor(input[labelsField]) : undefined,
  };
}
