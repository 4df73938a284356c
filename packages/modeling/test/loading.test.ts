import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsupportedConfigError, WeightMismatchError } from '@bcmb/architectures';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeOutput, fromPretrained, initBackend, randomModel } from '../src/index.js';
import { MODELS_DIR, reference, referenceInputs } from './reference.js';

let workDir: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu', onReport: () => undefined });
  workDir = await mkdtemp(join(tmpdir(), 'bcmb-loading-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('fromPretrained', () => {
  it('builds the head named by config.json architectures', async () => {
    const model = await fromPretrained(`${MODELS_DIR}tiny-bert-tokcls`, { onWarning: () => undefined });
    expect(model.className).toBe('BertForTokenClassification');
    expect(model.loadReport).toMatchObject({ source: 'pytorch-zip', missing: [], unexpected: [] });
    model.dispose();
  });

  it('initialises and announces a missing head, reporting the unused MLM head like transformers', async () => {
    const warnings: string[] = [];
    const model = await fromPretrained(`${MODELS_DIR}tiny-modernbert-mlm`, {
      task: 'sequence-classification',
      numLabels: 4,
      onWarning: (message) => warnings.push(message),
    });
    expect(model.className).toBe('ModernBertForSequenceClassification');
    expect(model.loadReport.missing.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    expect(model.loadReport.unexpected).toEqual(['decoder.bias']);
    expect(warnings.join('\n')).toMatch(/newly initialized: .*classifier\.weight/);
    expect(warnings.join('\n')).toMatch(/not used when initializing .*decoder\.bias/);
    model.dispose();
  });

  it('loads a task checkpoint into a base model, giving the same hidden states', async () => {
    const ref = reference('bert_forward');
    const base = await fromPretrained(`${MODELS_DIR}tiny-bert-seqcls`, {
      task: 'base',
      onWarning: () => undefined,
    });
    const full = await fromPretrained(`${MODELS_DIR}tiny-bert-seqcls`, { onWarning: () => undefined });
    expect(base.className).toBe('BertModel');
    expect(base.loadReport.unexpected).toEqual(['classifier.weight', 'classifier.bias']);
    const inputs = referenceInputs(ref.inputs.batch_a);
    const a = base.forward(inputs);
    const b = full.forward(inputs);
    expect(Array.from(a.lastHiddenState.dataSync())).toEqual(Array.from(b.lastHiddenState.dataSync()));
    for (const output of [a, b]) disposeOutput(output);
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== undefined));
    base.dispose();
    full.dispose();
  });

  it('initialises and announces a missing BERT pooler like a head (sequence classifier from a pooler-less checkpoint)', async () => {
    // BertForTokenClassification is saved without a pooler (add_pooling_layer=False).
    const warnings: string[] = [];
    const model = await fromPretrained(`${MODELS_DIR}tiny-bert-tokcls`, {
      task: 'sequence-classification',
      onWarning: (message) => warnings.push(message),
    });
    expect(model.className).toBe('BertForSequenceClassification');
    // The classifier ([labels, hidden] either way) loads from the token head; only the pooler is new.
    expect(model.loadReport.missing.sort()).toEqual(['bert.pooler.dense.bias', 'bert.pooler.dense.weight']);
    expect(warnings.join('\n')).toMatch(/newly initialized: .*bert\.pooler\.dense\.weight/);
    const inputs = referenceInputs(reference('bert_forward').inputs.batch_a, 'seqcls_labels');
    const output = model.forward(inputs);
    expect(output.poolerOutput!.shape).toEqual([inputs.inputIds.shape[0], model.config.hiddenSize]);
    disposeOutput(output);
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== undefined));
    model.dispose();
  });

  it('refuses a checkpoint that lacks backbone weights unless allowMissing', async () => {
    // A BERT config with one more layer than the checkpoint holds.
    const dir = join(workDir, 'bert-3-layers');
    await mkdir(dir, { recursive: true });
    await copyFile(`${MODELS_DIR}tiny-bert-mlm/model.safetensors`, join(dir, 'model.safetensors'));
    const config = JSON.parse(await readFile(`${MODELS_DIR}tiny-bert-mlm/config.json`, 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 3 }));
    const tensorsBefore = tf.memory().numTensors;
    await expect(fromPretrained(dir, { onWarning: () => undefined })).rejects.toThrow(WeightMismatchError);
    await expect(fromPretrained(dir, { onWarning: () => undefined })).rejects.toThrow(/encoder\.layer\.2/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const lenient = await fromPretrained(dir, { allowMissing: true, onWarning: () => undefined });
    expect(lenient.loadReport.missing).toContain('bert.encoder.layer.2.attention.self.query.weight');
    lenient.dispose();
  });

  it('rejects a model_type it does not implement with a typed error', async () => {
    const dir = join(workDir, 'roberta');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'roberta', hidden_size: 8 }));
    await expect(fromPretrained(dir)).rejects.toThrow(UnsupportedConfigError);
  });
});

describe('randomModel', () => {
  it('builds a random-weight model from a config.json-only folder and labels it random', async () => {
    const model = await randomModel(`${MODELS_DIR}tiny-modernbert-seqcls`);
    expect(model.loadReport.source).toBe('random');
    expect(model.loadReport.missing).toHaveLength(model.parameters().size);
    model.dispose();
  });
});

describe('forward', () => {
  it('leaks no tensor over 20 repeated forward passes with labels', async () => {
    const ref = reference('modernbert_forward');
    const model = await fromPretrained(`${MODELS_DIR}tiny-modernbert-seqcls`, { onWarning: () => undefined });
    const inputs = referenceInputs(ref.inputs.batch_a, 'seqcls_labels');
    disposeOutput(model.forward(inputs));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) disposeOutput(model.forward(inputs, { outputHiddenStates: true }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== undefined));
    model.dispose();
  });
});
