import { loadWeights, readConfig } from '@bcmb/architectures';
import { fromPretrained, initBackend, stateDictOf } from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { exportEncoder, exportModelDir } from './export.js';
import { OnnxSession, onnxRuntimeAvailable } from './runtime.js';
import {
  type ForwardReference,
  forwardReference,
  maxDiffRealTokens,
  modelDir,
  type RefInput,
  type RefOutputs,
} from './testing/fixtures.js';

/** The fixtures README's suggested float32 bound for hidden states and classifier logits. */
const TOLERANCE = 1e-4;
/** …and for full MLM logit rows (|x| up to about 18). */
const MLM_TOLERANCE = 5e-4;

const runtime = await onnxRuntimeAvailable();
if (runtime !== true) console.warn(`skipping ONNX Runtime parity tests: ${runtime}`);

const sessions: OnnxSession[] = [];
afterAll(async () => {
  for (const session of sessions) await session.release();
});

async function open(...args: Parameters<typeof OnnxSession.create>): Promise<OnnxSession> {
  const session = await OnnxSession.create(...args);
  sessions.push(session);
  return session;
}

function feed(input: RefInput) {
  const [batchSize, seqLen] = input.input_ids.shape as [number, number];
  return {
    inputIds: input.input_ids.data,
    attentionMask: input.attention_mask.data,
    tokenTypeIds: input.token_type_ids?.data,
    batchSize,
    seqLen,
  };
}

/** Sequence `b` of a padded reference input, cut to its real tokens (an unpadded batch of one). */
function alone(input: RefInput, b: number) {
  const seqLen = input.input_ids.shape[1] as number;
  const row = (values: number[]) => values.slice(b * seqLen, (b + 1) * seqLen);
  const length = row(input.attention_mask.data).filter((m) => m === 1).length;
  const cut = (values: number[] | undefined) => values && row(values).slice(0, length);
  return {
    inputIds: cut(input.input_ids.data) as number[],
    attentionMask: cut(input.attention_mask.data) as number[],
    tokenTypeIds: cut(input.token_type_ids?.data),
    batchSize: 1,
    seqLen: length,
    offset: b * seqLen,
  };
}

function checkMlmRows(logits: Float32Array, seqLen: number, vocab: number, expected: RefOutputs) {
  const rows = [...(expected.mlm_plain_input?.rows ?? [])];
  for (const row of rows) {
    const start = (row.batch * seqLen + row.position) * vocab;
    expect(
      maxDiffRealTokens(logits.subarray(start, start + vocab), row.logits.data, undefined, vocab),
    ).toBeLessThan(MLM_TOLERANCE);
  }
  return rows.length;
}

async function checkPaddedBatches(
  session: OnnxSession,
  reference: ForwardReference,
  byInput: Record<string, RefOutputs>,
) {
  for (const [inputName, expected] of Object.entries(byInput)) {
    const input = reference.inputs[inputName] as RefInput;
    const batch = feed(input);
    const out = await session.run(batch);
    const hidden = out['last_hidden_state'];
    const H = expected.last_hidden_state.shape[2] as number;
    expect(hidden?.dims).toEqual(expected.last_hidden_state.shape);
    expect(
      maxDiffRealTokens(hidden?.data ?? [], expected.last_hidden_state.data, batch.attentionMask, H),
    ).toBeLessThan(TOLERANCE);
    if (expected.logits !== undefined) {
      const perToken = expected.logits.shape.length === 3;
      const C = expected.logits.shape.at(-1) as number;
      const mask = perToken ? batch.attentionMask : undefined;
      expect(out['logits']?.dims).toEqual(expected.logits.shape);
      expect(maxDiffRealTokens(out['logits']?.data ?? [], expected.logits.data, mask, C)).toBeLessThan(
        TOLERANCE,
      );
    }
    if (expected.mlm_plain_input !== undefined) {
      const vocab = out['logits']?.dims[2] as number;
      expect(
        checkMlmRows(out['logits']?.data as Float32Array, batch.seqLen, vocab, expected),
      ).toBeGreaterThan(0);
    }
  }
}

for (const family of ['bert', 'modernbert'] as const) {
  const reference = forwardReference(family);
  describe.skipIf(runtime !== true)(`${family}: ONNX Runtime matches transformers (eager, float32)`, () => {
    for (const [checkpoint, entry] of Object.entries(reference.checkpoints)) {
      if (entry.by_input === undefined) continue;
      const byInput = entry.by_input;
      it(`${checkpoint}: hidden states and logits within ${TOLERANCE} on real tokens, padded batches`, async () => {
        for (const unpad of [true, false]) {
          await checkPaddedBatches(
            await open(await exportModelDir(modelDir(checkpoint), { unpad })),
            reference,
            byInput,
          );
        }
      });

      it(`${checkpoint}: each sequence run alone, unpadded, gives the padded batch's reference`, async () => {
        const session = await open(await exportModelDir(modelDir(checkpoint)));
        const input = reference.inputs['batch_a'] as RefInput;
        const expected = byInput['batch_a'] as RefOutputs;
        const [B, L, H] = expected.last_hidden_state.shape as [number, number, number];
        for (let b = 0; b < B; b++) {
          const single = alone(input, b);
          const out = await session.run(single);
          const start = b * L * H;
          const want = expected.last_hidden_state.data.slice(start, start + single.seqLen * H);
          expect(maxDiffRealTokens(out['last_hidden_state']?.data ?? [], want, undefined, H)).toBeLessThan(
            TOLERANCE,
          );
          if (expected.logits !== undefined) {
            const C = expected.logits.shape.at(-1) as number;
            const perToken = expected.logits.shape.length === 3;
            const from = perToken ? b * L * C : b * C;
            const want = expected.logits.data.slice(from, from + (perToken ? single.seqLen : 1) * C);
            expect(maxDiffRealTokens(out['logits']?.data ?? [], want, undefined, C)).toBeLessThan(TOLERANCE);
          }
        }
      });
    }
  });
}

describe.skipIf(runtime !== true)('modernbert classifier_pooling="cls"', () => {
  it('matches the reference logits when config.json selects CLS pooling', async () => {
    const reference = forwardReference('modernbert');
    const override = reference.checkpoints['tiny-modernbert-seqcls']?.cls_pooling_override;
    const dir = modelDir('tiny-modernbert-seqcls');
    const config = await readConfig(dir, override?.config_override);
    const session = await open(exportEncoder(config, (await loadWeights(dir)).stateDict));
    for (const [inputName, expected] of Object.entries(override?.by_input ?? {})) {
      const out = await session.run(feed(reference.inputs[inputName] as RefInput));
      expect(maxDiffRealTokens(out['logits']?.data ?? [], expected.logits.data, undefined, 1)).toBeLessThan(
        TOLERANCE,
      );
    }
    expect(Object.keys(override?.by_input ?? {}).length).toBeGreaterThan(0);
  });
});

describe.skipIf(runtime !== true)('a model held by @bcmb/modeling (as after fine-tuning)', () => {
  it('exports from its variables (stateDictOf) and matches its own tfjs forward within 1e-4', async () => {
    const reference = forwardReference('modernbert');
    const input = reference.inputs['batch_a'] as RefInput;
    const batch = feed(input);
    await initBackend({ onReport: () => {} });
    const model = await fromPretrained(modelDir('tiny-modernbert-tokcls'), { onWarning: () => {} });
    try {
      const shape: [number, number] = [batch.batchSize, batch.seqLen];
      const tfjsLogits = tf.tidy(() =>
        model
          .forward({
            inputIds: tf.tensor2d(batch.inputIds, shape, 'int32'),
            attentionMask: tf.tensor2d(batch.attentionMask, shape, 'int32'),
          })
          .logits?.dataSync(),
      ) as Float32Array;
      const session = await open(exportEncoder(model.config, stateDictOf(model)));
      const out = await session.run(batch);
      const C = model.config.numLabels;
      expect(maxDiffRealTokens(out['logits']?.data ?? [], tfjsLogits, batch.attentionMask, C)).toBeLessThan(
        TOLERANCE,
      );
    } finally {
      model.dispose();
    }
  });
});
