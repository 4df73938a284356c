/**
 * One parity suite for every family × head through both engines: the tfjs engine (cpu and wasm backends) and
 * the ONNX engine (fused kernels unpadded and padded, standard kernels), against the `transformers` references.
 * Both engines compile the same family description, so any drift between them is a bug in one engine's ops.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EncoderConfig,
  loadWeights,
  readConfig,
  type StateDict,
  writeSafetensors,
} from '@bcmb/architectures';
import { disposeOutput, fromPretrained, initBackend, stateDictOf } from '@bcmb/modeling';
import { exportEncoder, OnnxSession, type OutputTensor, onnxRuntimeAvailable } from '@bcmb/onnx';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS_DIR, type Reference, reference, relDiff } from '../../modeling/test/reference.js';

// Tolerances of the fixtures README (float32 vs float64: ≤ 2.6e-6 hidden, ≤ 1.5e-5 MLM logits).
const HIDDEN_TOL = 1e-4;
const MLM_LOGITS_TOL = 5e-4;
const LOSS_REL_TOL = 1e-5;

const runtime = await onnxRuntimeAvailable();
if (runtime !== true)
  throw new Error(`onnxruntime-node must load for the ONNX half of the parity suite: ${runtime}`);

/** One forward's outputs, as flat arrays with shapes. */
interface Outputs {
  lastHiddenState: Flat;
  logits?: Flat;
  hiddenStates?: Flat[];
  pooler?: Flat;
  loss?: number;
}

interface Flat {
  shape: number[];
  data: ArrayLike<number>;
}

interface RunInput {
  inputIds: Reference;
  attentionMask: Reference;
  tokenTypeIds?: Reference;
  labels?: Reference;
}

interface LoadedModel {
  run(input: RunInput): Promise<Outputs>;
  dispose(): Promise<void>;
}

interface Engine {
  name: string;
  /** The engine computes hidden states of every layer, the pooler output and losses (tfjs does, ONNX not). */
  full: boolean;
  load(dir: string, overrides?: Record<string, unknown>): Promise<LoadedModel>;
}

const quiet = { onWarning: () => undefined };

function flat(tensor: tf.Tensor): Flat {
  return { shape: tensor.shape, data: tensor.dataSync() };
}

function tfjsEngine(backend: 'cpu' | 'wasm'): Engine {
  return {
    name: `tfjs-${backend}`,
    full: true,
    async load(dir, overrides) {
      await initBackend({ backend, onReport: () => undefined });
      const model = await fromPretrained(dir, { ...quiet, configOverrides: overrides });
      return {
        async run(input) {
          const tensor = (ref: Reference | undefined) =>
            ref === undefined
              ? undefined
              : tf.tensor(ref.data, ref.shape, ref.dtype === 'int64' ? 'int32' : 'float32');
          const inputs = {
            inputIds: tensor(input.inputIds) as tf.Tensor2D,
            attentionMask: tensor(input.attentionMask) as tf.Tensor2D,
            tokenTypeIds: tensor(input.tokenTypeIds) as tf.Tensor2D | undefined,
            labels: tensor(input.labels),
          };
          const out = model.forward(inputs, { outputHiddenStates: true });
          const result: Outputs = {
            lastHiddenState: flat(out.lastHiddenState),
            logits: out.logits && flat(out.logits),
            hiddenStates: out.hiddenStates?.map(flat),
            pooler: out.poolerOutput && flat(out.poolerOutput),
            loss: out.loss?.dataSync()[0],
          };
          disposeOutput(out);
          tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== undefined));
          return result;
        },
        async dispose() {
          model.dispose();
        },
      };
    },
  };
}

function onnxEngine(kernels: 'fused' | 'standard', unpad: boolean): Engine {
  return {
    name: `onnx-${kernels}${unpad ? '' : '-padded'}`,
    full: false,
    async load(dir, overrides) {
      const config = await readConfig(dir, overrides);
      const session = await OnnxSession.create(
        exportEncoder(config, (await loadWeights(dir)).stateDict, { kernels, unpad }),
      );
      return {
        async run(input) {
          const [batchSize, seqLen] = input.inputIds.shape as [number, number];
          const out = await session.run({
            inputIds: input.inputIds.data,
            attentionMask: input.attentionMask.data,
            tokenTypeIds: input.tokenTypeIds?.data,
            batchSize,
            seqLen,
          });
          const pick = (tensor: OutputTensor | undefined) =>
            tensor && { shape: tensor.dims, data: tensor.data };
          return { lastHiddenState: pick(out['last_hidden_state']) as Flat, logits: pick(out['logits']) };
        },
        async dispose() {
          await session.release();
        },
      };
    },
  };
}

const ENGINES: Engine[] = [
  tfjsEngine('cpu'),
  tfjsEngine('wasm'),
  onnxEngine('fused', true),
  onnxEngine('fused', false),
  onnxEngine('standard', true),
];

/** Largest |actual - expected| over real-token rows (`realTokens` [B, L]); whole tensors without it. */
function maxAbsDiff(
  actual: Flat,
  expected: { shape: number[]; data: ArrayLike<number> },
  realTokens?: Reference,
): number {
  expect(actual.data.length).toBe(expected.data.length);
  const [batch, length] = expected.shape as [number, number];
  const perRow = realTokens ? actual.data.length / (batch * length) : actual.data.length;
  let max = 0;
  for (let i = 0; i < actual.data.length; i++) {
    if (realTokens && realTokens.data[Math.floor(i / perRow)] === 0) continue;
    max = Math.max(max, Math.abs((actual.data[i] as number) - (expected.data[i] as number)));
  }
  return max;
}

/** Per-position reductions of `[B, L, V]` logits: log-sum-exp and max. */
function perPosition(
  logits: Flat,
  reduce: (row: ArrayLike<number>, start: number, width: number) => number,
): Flat {
  const [batch, length, width] = logits.shape as [number, number, number];
  const data = new Float64Array(batch * length);
  for (let i = 0; i < data.length; i++) data[i] = reduce(logits.data, i * width, width);
  return { shape: [batch, length], data };
}

const logSumExp = (row: ArrayLike<number>, start: number, width: number) => {
  let max = -Infinity;
  for (let j = 0; j < width; j++) max = Math.max(max, row[start + j] as number);
  let sum = 0;
  for (let j = 0; j < width; j++) sum += Math.exp((row[start + j] as number) - max);
  return max + Math.log(sum);
};
const rowMax = (row: ArrayLike<number>, start: number, width: number) => {
  let max = -Infinity;
  for (let j = 0; j < width; j++) max = Math.max(max, row[start + j] as number);
  return max;
};

function inputsOf(input: Reference, labels?: string, ids = 'input_ids'): RunInput {
  return {
    inputIds: input[ids],
    attentionMask: input.attention_mask,
    tokenTypeIds: input.token_type_ids,
    labels: labels ? input[labels] : undefined,
  };
}

const CHECKPOINTS = {
  bert: ['tiny-bert-mlm', 'tiny-bert-seqcls', 'tiny-bert-seqcls-multilabel', 'tiny-bert-tokcls'],
  modernbert: [
    'tiny-modernbert-mlm',
    'tiny-modernbert-seqcls',
    'tiny-modernbert-seqcls-multilabel',
    'tiny-modernbert-tokcls',
  ],
} as const;

describe.each(ENGINES)('the $name engine', (engine) => {
  for (const family of ['bert', 'modernbert'] as const) {
    const ref = reference(`${family}_forward`);
    for (const checkpoint of CHECKPOINTS[family]) {
      describe(checkpoint, () => {
        let model: LoadedModel;
        beforeAll(async () => {
          model = await engine.load(MODELS_DIR + checkpoint);
        });
        afterAll(() => model.dispose());
        const expected = ref.checkpoints[checkpoint];
        for (const [inputName, byInput] of Object.entries<Reference>(expected.by_input)) {
          const input = ref.inputs[inputName];
          const mask = input.attention_mask;
          it(`matches transformers' hidden states on ${inputName} within ${HIDDEN_TOL}`, async () => {
            const out = await model.run(inputsOf(input));
            expect(maxAbsDiff(out.lastHiddenState, byInput.last_hidden_state, mask)).toBeLessThanOrEqual(
              HIDDEN_TOL,
            );
            if (!engine.full) return;
            expect(out.hiddenStates).toHaveLength(byInput.hidden_states.length);
            byInput.hidden_states.forEach((hidden: Reference, i: number) => {
              expect(maxAbsDiff(out.hiddenStates?.[i] as Flat, hidden, mask)).toBeLessThanOrEqual(HIDDEN_TOL);
            });
            if (byInput.pooler_output)
              expect(maxAbsDiff(out.pooler as Flat, byInput.pooler_output)).toBeLessThanOrEqual(HIDDEN_TOL);
          });
          if (byInput.logits) {
            it(`matches transformers' logits (≤ ${HIDDEN_TOL}) and loss on ${inputName}`, async () => {
              const out = await model.run(inputsOf(input, byInput.labels_used));
              const perToken = out.logits?.shape.length === 3;
              expect(
                maxAbsDiff(out.logits as Flat, byInput.logits, perToken ? mask : undefined),
              ).toBeLessThanOrEqual(HIDDEN_TOL);
              if (engine.full && byInput.loss !== undefined && byInput.labels_used)
                expect(relDiff(out.loss as number, byInput.loss)).toBeLessThanOrEqual(LOSS_REL_TOL);
            });
          }
          if (byInput.mlm_masked_input) {
            it(`matches transformers' MLM logits (≤ ${MLM_LOGITS_TOL}) on ${inputName}`, async () => {
              for (const [masked, exp] of [
                [true, byInput.mlm_masked_input],
                [false, byInput.mlm_plain_input],
              ] as const) {
                const out = await model.run(
                  inputsOf(input, masked ? 'mlm_labels' : undefined, masked ? 'mlm_input_ids' : 'input_ids'),
                );
                const logits = out.logits as Flat;
                if (masked && engine.full)
                  expect(relDiff(out.loss as number, exp.loss)).toBeLessThanOrEqual(LOSS_REL_TOL);
                expect(maxAbsDiff(perPosition(logits, logSumExp), exp.logsumexp, mask)).toBeLessThanOrEqual(
                  MLM_LOGITS_TOL,
                );
                if (exp.max)
                  expect(maxAbsDiff(perPosition(logits, rowMax), exp.max, mask)).toBeLessThanOrEqual(
                    MLM_LOGITS_TOL,
                  );
                const vocab = logits.shape[2] as number;
                for (const row of exp.rows) {
                  const start = (row.batch * (logits.shape[1] as number) + row.position) * vocab;
                  const actual = {
                    shape: [vocab],
                    data: Array.from(logits.data).slice(start, start + vocab),
                  };
                  expect(maxAbsDiff(actual, row.logits)).toBeLessThanOrEqual(MLM_LOGITS_TOL);
                }
              }
            });
          }
        }
      });
    }
  }

  it('matches transformers with classifier_pooling overridden to "cls"', async () => {
    const ref = reference('modernbert_forward');
    const expected = ref.checkpoints['tiny-modernbert-seqcls'].cls_pooling_override;
    const model = await engine.load(`${MODELS_DIR}tiny-modernbert-seqcls`, expected.config_override);
    for (const [inputName, byInput] of Object.entries<Reference>(expected.by_input)) {
      const out = await model.run(inputsOf(ref.inputs[inputName]));
      expect(maxAbsDiff(out.logits as Flat, byInput.logits)).toBeLessThanOrEqual(HIDDEN_TOL);
    }
    await model.dispose();
  });
});

/**
 * Untied MLM decoders (`tie_word_embeddings: false`): with the decoder a copy of the embedding table each engine
 * reproduces the tied reference; with a decoder of its own the two engines agree with each other and not with it.
 */
describe('an untied MLM decoder (tie_word_embeddings: false)', () => {
  const DECODER = { bert: 'cls.predictions.decoder.weight', modernbert: 'decoder.weight' } as const;
  const EMBEDDINGS = {
    bert: 'bert.embeddings.word_embeddings.weight',
    modernbert: 'model.embeddings.tok_embeddings.weight',
  } as const;
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** A copy of the tiny MLM checkpoint with its own decoder table, `scale` · embeddings. */
  async function untied(family: 'bert' | 'modernbert', scale: number): Promise<string> {
    const source = `${MODELS_DIR}tiny-${family}-mlm`;
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-untied-'));
    dirs.push(dir);
    const config = JSON.parse(JSON.stringify((await readConfig(source)).raw));
    config.tie_word_embeddings = false;
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    const { stateDict } = await loadWeights(source);
    const table = stateDict.get(EMBEDDINGS[family]) as { shape: number[]; data: Float32Array };
    const decoder = Float32Array.from(
      table.data,
      (v, i) => v * scale + (scale === 1 ? 0 : Math.sin(i) * 0.01),
    );
    const dict: StateDict = new Map(stateDict);
    dict.set(DECODER[family], { shape: table.shape, data: decoder });
    await writeSafetensors(join(dir, 'model.safetensors'), dict, { format: 'pt' });
    return dir;
  }

  for (const family of ['bert', 'modernbert'] as const) {
    it(`${family}: parses the flag, reproduces the tied reference with a copied table, and both engines agree on an own table`, async () => {
      const ref = reference(`${family}_forward`);
      const input = ref.inputs.batch_a;
      const tiedExpected = ref.checkpoints[`tiny-${family}-mlm`].by_input.batch_a.mlm_plain_input;
      const copied = await untied(family, 1);
      const config: EncoderConfig = await readConfig(copied);
      expect((config as { tieWordEmbeddings: boolean }).tieWordEmbeddings).toBe(false);
      const own = await untied(family, 0.5);
      const ownLogits: Flat[] = [];
      for (const engine of [ENGINES[0], ENGINES[2]] as Engine[]) {
        const same = await engine.load(copied);
        const logits = (await same.run(inputsOf(input))).logits as Flat;
        expect(
          maxAbsDiff(perPosition(logits, logSumExp), tiedExpected.logsumexp, input.attention_mask),
        ).toBeLessThanOrEqual(MLM_LOGITS_TOL);
        await same.dispose();
        const other = await engine.load(own);
        ownLogits.push((await other.run(inputsOf(input))).logits as Flat);
        await other.dispose();
        const moved = maxAbsDiff(
          perPosition(ownLogits.at(-1) as Flat, logSumExp),
          tiedExpected.logsumexp,
          input.attention_mask,
        );
        expect(moved).toBeGreaterThan(0.01);
      }
      expect(
        maxAbsDiff(ownLogits[0] as Flat, ownLogits[1] as Flat, input.attention_mask),
      ).toBeLessThanOrEqual(HIDDEN_TOL);
    });
  }
});

describe('the ONNX engine on unpadded input and on a model held by the tfjs engine', () => {
  for (const checkpoint of [...CHECKPOINTS.bert, ...CHECKPOINTS.modernbert]) {
    it(`${checkpoint}: each sequence run alone (no padding) gives the padded batch's reference`, async () => {
      const family = checkpoint.includes('modernbert') ? 'modernbert' : 'bert';
      const ref = reference(`${family}_forward`);
      const model = await ENGINES[2]?.load(MODELS_DIR + checkpoint);
      const input = ref.inputs.batch_a;
      const expected = ref.checkpoints[checkpoint].by_input.batch_a;
      const [B, L, H] = expected.last_hidden_state.shape as [number, number, number];
      for (let b = 0; b < B; b++) {
        const row = (t: Reference | undefined) => t && (t.data as number[]).slice(b * L, (b + 1) * L);
        const length = (row(input.attention_mask) as number[]).filter((m) => m === 1).length;
        const cut = (t: Reference | undefined) =>
          t && { ...t, shape: [1, length], data: row(t)?.slice(0, length) };
        const out = await (model as LoadedModel).run({
          inputIds: cut(input.input_ids),
          attentionMask: cut(input.attention_mask),
          tokenTypeIds: cut(input.token_type_ids),
        });
        const want = expected.last_hidden_state.data.slice(b * L * H, (b * L + length) * H);
        expect(maxAbsDiff(out.lastHiddenState, { shape: [length * H], data: want })).toBeLessThanOrEqual(
          HIDDEN_TOL,
        );
      }
      await model?.dispose();
    });
  }

  it('exports a model from its tfjs variables (stateDictOf, as after fine-tuning) with the same logits', async () => {
    const ref = reference('modernbert_forward');
    const input = ref.inputs.batch_a;
    await initBackend({ backend: 'cpu', onReport: () => undefined });
    const model = await fromPretrained(`${MODELS_DIR}tiny-modernbert-tokcls`, quiet);
    const [batchSize, seqLen] = input.input_ids.shape as [number, number];
    const shape: [number, number] = [batchSize, seqLen];
    const tfjsLogits = tf.tidy(
      () =>
        model
          .forward({
            inputIds: tf.tensor2d(input.input_ids.data, shape, 'int32'),
            attentionMask: tf.tensor2d(input.attention_mask.data, shape, 'int32'),
          })
          .logits?.dataSync() as Float32Array,
    );
    const session = await OnnxSession.create(exportEncoder(model.config, stateDictOf(model)));
    const out = await session.run({
      inputIds: input.input_ids.data,
      attentionMask: input.attention_mask.data,
      batchSize,
      seqLen,
    });
    const logits = out['logits'] as OutputTensor;
    expect(
      maxAbsDiff(
        { shape: logits.dims, data: logits.data },
        { shape: logits.dims, data: tfjsLogits },
        input.attention_mask,
      ),
    ).toBeLessThanOrEqual(HIDDEN_TOL);
    await session.release();
    model.dispose();
  });
});
