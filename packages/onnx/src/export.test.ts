import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWeights, readConfig, type StateDict } from '@bcmb/architectures';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxExportError } from './errors.js';
import { type ExportedModel, exportEncoder } from './export.js';
import { exportModelDir, saveOnnx } from './export-files.js';
import { MS_DOMAIN, ONNX_OPSET, parseModel, serializeModel } from './graph.js';
import { quantizePerChannel } from './quantize.js';
import { OnnxSession, onnxRuntimeAvailable, type SessionOptions } from './runtime.js';
import { forwardReference, modelDir, type RefInput } from './testing/fixtures.js';

const runtime = await onnxRuntimeAvailable();
const temp = mkdtempSync(join(tmpdir(), 'bcmb-onnx-export-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

type Shaped = { tensorType: { shape: { dim: { dimParam?: string; dimValue?: unknown }[] } } };
const dims = (value: { type?: unknown } | undefined) =>
  (value === undefined ? [] : (value.type as Shaped).tensorType.shape.dim).map(
    (d) => d.dimParam || Number(d.dimValue),
  );

async function sessionOutputs(
  model: ExportedModel | string,
  family: 'bert' | 'modernbert',
  options: SessionOptions = {},
) {
  const input = forwardReference(family).inputs['batch_a'] as RefInput;
  const [batchSize, seqLen] = input.input_ids.shape as [number, number];
  const session = await OnnxSession.create(model, options);
  try {
    const out = await session.run({
      inputIds: input.input_ids.data,
      attentionMask: input.attention_mask.data,
      batchSize,
      seqLen,
    });
    return { out, mask: input.attention_mask.data, device: session.device };
  } finally {
    await session.release();
  }
}

describe('exportEncoder', () => {
  it('declares dynamic batch and sequence axes, opset 17 plus com.microsoft, and the head outputs', async () => {
    const model = parseModel(serializeModel((await exportModelDir(modelDir('tiny-bert-tokcls'))).proto));
    expect(model.graph?.input?.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(dims(model.graph?.input?.[0])).toEqual(['batch', 'sequence']);
    expect(model.graph?.output?.map((o) => o.name)).toEqual(['last_hidden_state', 'logits']);
    expect(dims(model.graph?.output?.[1])).toEqual(['batch', 'sequence', 7]);
    expect(model.opsetImport?.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', ONNX_OPSET],
      [MS_DOMAIN, 1],
    ]);
  });

  it('gives ModernBERT norms an explicit zero bias (ORT 1.30 crashes fusing a LayerNorm without one)', async () => {
    const model = parseModel(
      serializeModel((await exportModelDir(modelDir('tiny-modernbert-seqcls'))).proto),
    );
    const biasInput = { LayerNormalization: 2, SkipLayerNormalization: 3 } as Record<string, number>;
    const norms = (model.graph?.node ?? []).filter((n) => (n.opType ?? '') in biasInput);
    expect(norms.length).toBeGreaterThan(8);
    for (const node of norms) expect(node.input?.[biasInput[node.opType ?? ''] as number] ?? '').not.toBe('');
  });

  it('names the missing weight when the state dict lacks one', async () => {
    const dir = modelDir('tiny-bert-seqcls');
    const config = await readConfig(dir);
    const { stateDict } = await loadWeights(dir);
    const missing = 'bert.encoder.layer.0.attention.self.query.weight';
    const partial: StateDict = new Map([...stateDict].filter(([name]) => name !== missing));
    expect(() => exportEncoder(config, partial)).toThrow(
      /no "bert\.encoder\.layer\.0\.attention\.self\.query\.weight"/,
    );
    expect(() => exportEncoder(config, partial)).toThrow(OnnxExportError);
  });

  it('initialises a BERT pooler the checkpoint lacks, as from_pretrained does, and says so', async () => {
    const dir = modelDir('tiny-bert-tokcls');
    const config = await readConfig(dir);
    const { stateDict } = await loadWeights(dir);
    const warnings: string[] = [];
    const model = exportEncoder(config, stateDict, { task: 'base', onWarning: (m) => warnings.push(m) });
    expect(model.outputNames).toEqual(['last_hidden_state']);
    expect(warnings).toEqual([
      'Some weights of BertForTokenClassification (exported as base) were not in the checkpoint and are newly initialized: pooler.dense.weight, pooler.dense.bias',
    ]);
  });

  it('rejects weights whose shape does not fit config.json', async () => {
    const dir = modelDir('tiny-bert-seqcls');
    const config = { ...(await readConfig(dir)), intermediateSize: 96 };
    const { stateDict } = await loadWeights(dir);
    expect(() => exportEncoder(config, stateDict)).toThrow(
      /has shape \[128, 64\], the config implies \[96, 64\]/,
    );
  });

  it('exports a bare base checkpoint as well as a task checkpoint (backbone prefix optional)', async () => {
    const dir = modelDir('tiny-bert-seqcls');
    const config = await readConfig(dir);
    const { stateDict } = await loadWeights(dir);
    const bare: StateDict = new Map(
      [...stateDict].filter(([name]) => name.startsWith('bert.')).map(([name, t]) => [name.slice(5), t]),
    );
    const exported = exportEncoder(config, bare, { task: 'base' });
    expect(exported.outputNames).toEqual(['last_hidden_state']);
  });
});

describe('quantizePerChannel', () => {
  it('maps each output column to int8 with its own scale, error at most half a step', () => {
    const inDim = 3;
    const outDim = 2;
    const weight = Float32Array.from([0.5, -100, -0.25, 50, 0.125, 100]);
    const { values, scales } = quantizePerChannel(weight, inDim, outDim);
    expect(Array.from(scales)).toEqual([Math.fround(0.5 / 127), Math.fround(100 / 127)]);
    expect(values[0]).toBe(127);
    expect(values[5]).toBe(127);
    expect(values[1]).toBe(-127);
    weight.forEach((w, i) => {
      const scale = scales[i % outDim] as number;
      expect(Math.abs((values[i] as number) * scale - w)).toBeLessThanOrEqual(scale / 2 + 1e-7);
    });
  });
});

describe.skipIf(runtime !== true)('running exports', () => {
  it('a saved .onnx file loads and gives the same outputs as the in-memory model', async () => {
    const exported = await exportModelDir(modelDir('tiny-modernbert-tokcls'));
    const path = join(temp, 'model.onnx');
    await saveOnnx(exported, path);
    const fromMemory = await sessionOutputs(exported, 'modernbert');
    const fromFile = await sessionOutputs(path, 'modernbert');
    expect(Array.from(fromFile.out['logits']?.data ?? [])).toEqual(
      Array.from(fromMemory.out['logits']?.data ?? []),
    );
  });

  it('int8 weights keep hidden states close to float32 (cosine ≥ 0.99 per real token)', async () => {
    const dir = modelDir('tiny-modernbert-mlm');
    const fp32 = await sessionOutputs(await exportModelDir(dir, { task: 'base' }), 'modernbert');
    const int8 = await sessionOutputs(
      await exportModelDir(dir, { task: 'base', quantize: true }),
      'modernbert',
    );
    const a = fp32.out['last_hidden_state']?.data as Float32Array;
    const b = int8.out['last_hidden_state']?.data as Float32Array;
    const H = fp32.out['last_hidden_state']?.dims[2] as number;
    expect(a).not.toEqual(b);
    fp32.mask.forEach((m, t) => {
      if (m === 0) return;
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let k = t * H; k < (t + 1) * H; k++) {
        dot += (a[k] as number) * (b[k] as number);
        na += (a[k] as number) ** 2;
        nb += (b[k] as number) ** 2;
      }
      expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.99);
    });
  });

  it('device "auto" runs on CUDA when its provider loads and falls back to the CPU otherwise', async () => {
    const exported = await exportModelDir(modelDir('tiny-bert-seqcls'));
    const cpu = await sessionOutputs(exported, 'bert');
    const auto = await sessionOutputs(exported, 'bert', { device: 'auto', threads: 1 });
    expect(['cpu', 'cuda']).toContain(auto.device);
    const a = cpu.out['logits']?.data ?? [];
    const b = auto.out['logits']?.data ?? [];
    expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - (b[i] as number))))).toBeLessThan(1e-4);
  });
});
