import {
  type EncoderConfig,
  familyOf,
  loadWeights,
  readConfig,
  taskFromArchitectures,
} from '@bcmb/architectures';
import { describe, expect, it } from 'vitest';
import { serializeModel } from './graph.js';
import { loadOnnxRuntime } from './runtime.js';
import { forwardReference, modelDir, type RefTensor } from './testing/fixtures.js';
import { buildTrainingGraph, LOSS } from './training-graph.js';

/** Relative bound of the recorded losses (transformers float32 vs float64 is ~1e-7). */
const LOSS_REL_TOL = 1e-5;

const ort = await loadOnnxRuntime();

/** Loss of the training graph with the checkpoint's parameters fed as inputs. */
async function trainingLoss(
  dir: string,
  config: EncoderConfig,
  feeds: Record<string, { data: number[]; shape: number[]; type: 'int64' | 'float32' }>,
): Promise<number> {
  const task = taskFromArchitectures(config);
  const graph = buildTrainingGraph(config, task, {
    problemType: config.problemType ?? 'single_label_classification',
  });
  const session = await ort.InferenceSession.create(serializeModel(graph.graph.build('train', 'test')));
  const { stateDict } = await loadWeights(dir);
  const prefix = familyOf(config).backbonePrefix;
  const inputs: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const spec of graph.parameters) {
    const tensor = stateDict.get(spec.name) ?? stateDict.get(spec.name.slice(prefix.length));
    if (!tensor) throw new Error(`checkpoint lacks ${spec.name}`);
    inputs[spec.name] = new ort.Tensor('float32', tensor.data, spec.shape);
  }
  // Dropout off, as in the eval-mode references: every mask all ones.
  const attention = feeds['attention_mask'] as { data: number[]; shape: number[] };
  const [batch, length] = attention.shape as [number, number];
  const tokens = attention.data.filter((m) => m === 1).length;
  for (const mask of graph.dropoutMasks) {
    const shape =
      mask.kind === 'rows'
        ? [tokens, mask.width]
        : mask.kind === 'sequences'
          ? [batch, mask.width]
          : [batch, mask.width, length, length];
    inputs[mask.input] = new ort.Tensor(
      'float32',
      new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1),
      shape,
    );
  }
  if (familyOf(config).usesTokenTypes && !feeds['token_type_ids'])
    inputs['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(batch * length), [batch, length]);
  for (const [name, feed] of Object.entries(feeds)) {
    inputs[name] =
      feed.type === 'int64'
        ? new ort.Tensor(
            'int64',
            BigInt64Array.from(feed.data, (v) => BigInt(v)),
            feed.shape,
          )
        : new ort.Tensor('float32', Float32Array.from(feed.data), feed.shape);
  }
  const out = await session.run(inputs);
  await session.release();
  return (out[LOSS] as { data: Float32Array }).data[0] as number;
}

const ids = (t: RefTensor) => ({ data: t.data, shape: t.shape, type: 'int64' as const });

describe('the training graph of each family and head computes the loss transformers computes', () => {
  for (const family of ['bert', 'modernbert'] as const) {
    const reference = forwardReference(family);
    for (const [checkpoint, entry] of Object.entries(reference.checkpoints)) {
      for (const [inputName, expected] of Object.entries(entry.by_input ?? {})) {
        const byInput = expected as unknown as Record<string, unknown> & {
          loss?: number;
          labels_used?: string;
          mlm_masked_input?: { loss: number };
        };
        const input = reference.inputs[inputName] as unknown as Record<string, RefTensor>;
        const masked = byInput.mlm_masked_input;
        if (byInput.loss === undefined && masked === undefined) continue;
        it(`${checkpoint} on ${inputName}`, async () => {
          const dir = modelDir(checkpoint);
          const config = await readConfig(dir);
          const feeds: Record<
            string,
            ReturnType<typeof ids> | { data: number[]; shape: number[]; type: 'float32' }
          > = {
            input_ids: ids(
              masked ? (input['mlm_input_ids'] as RefTensor) : (input['input_ids'] as RefTensor),
            ),
            attention_mask: ids(input['attention_mask'] as RefTensor),
          };
          if (input['token_type_ids']) feeds['token_type_ids'] = ids(input['token_type_ids']);
          const labels = input[masked ? 'mlm_labels' : (byInput.labels_used as string)] as RefTensor;
          const multiLabel = config.problemType === 'multi_label_classification';
          feeds['labels'] = multiLabel ? { ...labels, type: 'float32' } : ids(labels);
          const want = masked ? masked.loss : (byInput.loss as number);
          const got = await trainingLoss(dir, config, feeds);
          expect(Math.abs(got - want) / Math.abs(want)).toBeLessThanOrEqual(LOSS_REL_TOL);
        });
      }
    }
  }
});
