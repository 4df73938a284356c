import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CONFIG_FILE,
  className,
  DEFAULT_SAFETENSORS_METADATA,
  type EncoderConfig,
  familyOf,
  loadWeights,
  type ParameterSpec,
  readConfig,
  SAFETENSORS_WEIGHTS_FILE,
  type StateDict,
  writeSafetensors,
} from '@bcmb/architectures';
import { writeFileAtomic } from '@bcmb/core';
import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import {
  ATTENTION_MASK,
  exportEncoder,
  type FeedTensor,
  INPUT_IDS,
  LABELS,
  LOGITS,
  NEXT_SENTENCE_LABEL,
  OnnxSession,
  RandomValues,
  runSequences,
  stableAdamW,
  TOKEN_TYPE_IDS,
  TrainingSession,
  trainingModelOf,
} from '@bcmb/onnx';
import { hasWeightFiles } from './checkpoint.js';
import type {
  EngineModelOptions,
  EngineOptimizerState,
  EvalResult,
  MlmBatch,
  MlmSequence,
  PretrainEngine,
  PretrainTask,
  TrainStepResult,
} from './engine.js';
import { PretrainRunError } from './errors.js';
import { stableAdamWDecayGroups } from './stable-adamw.js';

export interface OnnxEngineOptions extends EngineModelOptions {
  /** Packed rows per optimizer step (`global_train_batch_size / device_train_microbatch_size`). */
  rowsPerStep: number;
  /** Head and loss (default masked-lm); `pretraining` adds BERT's next-sentence head (training steps only). */
  task?: PretrainTask;
  /** Load notices (a head the checkpoint lacks is initialised). */
  onWarning?: (message: string) => void;
  /** ONNX Runtime intra-op threads (default: every core). */
  threads?: number;
}

/**
 * The run loop's engine on ONNX Runtime (`@bcmb/onnx`'s training graph + `TrainingSession`): each packed row is
 * one micro-batch whose sequences are fed as a padded batch (the graph runs its dense layers on the real tokens
 * only; attention stays within each sequence, positions restart at 0, as ModernBERT's varlen attention), the
 * rows' gradients are summed with weight 1/rows, and StableAdamW runs as graph nodes in the same session.
 */
export async function createOnnxEngine(options: OnnxEngineOptions): Promise<PretrainEngine> {
  const config = await readConfig(options.modelDir).catch((error: unknown) => {
    throw new PretrainRunError(`cannot read the model config in ${options.modelDir}`, {
      cause: error,
      hint: 'Pass a Hugging Face model folder or hub id (load_path / --model)',
    });
  });
  const task = options.task ?? 'masked-lm';
  const weights: StateDict | 'random' = (await hasWeightFiles(options.modelDir))
    ? withInitialisedHeads(config, task, (await loadWeights(options.modelDir)).stateDict, options.onWarning)
    : 'random';
  const built = wrapOnnx(() => trainingModelOf(config, task, weights, { dropoutMasks: 'graph' }));
  const specs = new Map(built.parameters.map((spec) => [spec.name, spec]));
  const groups = stableAdamWDecayGroups(
    new Map(built.parameters.map((spec) => [spec.name, spec.shape])),
    options.weightDecay,
    options.filterBiasNormWd,
  );
  const model = {
    ...built.model,
    parameters: built.model.parameters.map((p) => ({ ...p, decay: (groups.get(p.name) ?? 0) > 0 })),
  };
  const session = await TrainingSession.create(model, {
    optimizer: stableAdamW({
      beta1: options.betas[0],
      beta2: options.betas[1],
      eps: options.eps,
      weightDecay: options.weightDecay,
      maxLr: options.maxLr,
    }),
    accumulationSteps: options.rowsPerStep,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const usesTokenTypes = session.inputNames.includes(TOKEN_TYPE_IDS);
  const pad = config.padTokenId ?? 0;

  const stateDict = (): StateDict => {
    const dict: StateDict = new Map();
    for (const [name, data] of session.parameters())
      dict.set(name, { shape: [...(specs.get(name) as ParameterSpec).shape], data });
    return dict;
  };

  return {
    name: 'onnxruntime',
    specialIds: {
      pad,
      mask: options.maskTokenId,
      cls: typeof config.raw.cls_token_id === 'number' ? config.raw.cls_token_id : null,
      sep: typeof config.raw.sep_token_id === 'number' ? config.raw.sep_token_id : null,
    },
    vocabSize: config.vocabSize,
    configFields: config.raw,

    async trainStep(batch: MlmBatch, lr: number): Promise<TrainStepResult> {
      if (batch.rows.length !== options.rowsPerStep) {
        throw new PretrainRunError(
          `the batch has ${batch.rows.length} packed rows, the ONNX engine was built for ${options.rowsPerStep}`,
          { hint: 'Pass rowsPerStep = global_train_batch_size / device_train_microbatch_size' },
        );
      }
      let loss = 0;
      let gradNorm = 0;
      for (const row of batch.rows) {
        const result = await session.step(rowFeeds(row, pad, usesTokenTypes, task), lr);
        loss += result.loss / batch.rows.length;
        if (result.gradNorm !== undefined) gradNorm = result.gradNorm;
      }
      return { loss, gradNorm };
    },

    async evaluate(sequences: MlmSequence[]): Promise<EvalResult> {
      const result: EvalResult = { lossSum: 0, labelled: 0, correct: 0 };
      const scored = sequences.filter((s) => s.labels.some((l) => l !== IGNORED_LABEL_ID));
      if (scored.length === 0) return result;
      const inference = await OnnxSession.create(
        wrapOnnx(() => exportEncoder(config, stateDict(), { task: 'masked-lm' })),
        ...(options.threads === undefined ? [] : [{ threads: options.threads }]),
      );
      try {
        const outputs = await runSequences(
          inference,
          scored.map((s) => ({ inputIds: Array.from(s.inputIds) })),
        );
        scored.forEach((s, i) => {
          scoreLogits((outputs[i] as Record<string, Float32Array>)[LOGITS] as Float32Array, s.labels, result);
        });
      } finally {
        await inference.release();
      }
      return result;
    },

    optimizerState(): EngineOptimizerState {
      const expAvg = new Map<string, Float32Array>();
      const expAvgSq = new Map<string, Float32Array>();
      for (const [name, moments] of session.moments()) {
        expAvg.set(name, moments.expAvg);
        expAvgSq.set(name, moments.expAvgSq);
      }
      return { step: session.stepCount, expAvg, expAvgSq };
    },

    loadOptimizerState(state: EngineOptimizerState): void {
      const parameters = session.parameters();
      const moments = new Map(
        [...parameters.keys()].map((name) => {
          const expAvg = state.expAvg.get(name);
          const expAvgSq = state.expAvgSq.get(name);
          if (expAvg === undefined || expAvgSq === undefined)
            throw new PretrainRunError(`the checkpoint's optimizer state has no moments of "${name}"`, {
              hint: 'Resume from a checkpoint of the same model and task',
            });
          return [name, { expAvg, expAvgSq }];
        }),
      );
      session.restore({ step: state.step, parameters, moments });
    },

    async saveModel(dir: string): Promise<void> {
      await mkdir(dir, { recursive: true });
      await writeSafetensors(join(dir, SAFETENSORS_WEIGHTS_FILE), stateDict(), DEFAULT_SAFETENSORS_METADATA);
      await writeFileAtomic(join(dir, CONFIG_FILE), taskConfigJson(config, task));
    },

    dispose(): void {
      void session.release();
    },
  };
}

/** One packed row as a padded batch of its sequences: ids, mask, labels (-100 on padding), token types. */
function rowFeeds(
  row: MlmSequence[],
  pad: number,
  tokenTypes: boolean,
  task: PretrainTask,
): Record<string, FeedTensor> {
  // A row without sequences is fed as one ignored pad token: it adds nothing to the gradients.
  const sequences =
    row.length > 0 ? row : [{ inputIds: Int32Array.of(pad), labels: Int32Array.of(IGNORED_LABEL_ID) }];
  const length = Math.max(...sequences.map((s) => s.inputIds.length));
  const dims = [sequences.length, length];
  const ids = new BigInt64Array(sequences.length * length).fill(BigInt(pad));
  const mask = new BigInt64Array(sequences.length * length);
  const labels = new BigInt64Array(sequences.length * length).fill(BigInt(IGNORED_LABEL_ID));
  const types = new BigInt64Array(sequences.length * length);
  sequences.forEach((s, r) => {
    for (let i = 0; i < s.inputIds.length; i++) {
      ids[r * length + i] = BigInt(s.inputIds[i] as number);
      mask[r * length + i] = 1n;
      labels[r * length + i] = BigInt(s.labels[i] as number);
      types[r * length + i] = BigInt(s.tokenTypeIds?.[i] ?? 0);
    }
  });
  const feeds: Record<string, FeedTensor> = {
    [INPUT_IDS]: { data: ids, dims },
    [ATTENTION_MASK]: { data: mask, dims },
    [LABELS]: { data: labels, dims },
  };
  if (tokenTypes) feeds[TOKEN_TYPE_IDS] = { data: types, dims };
  if (task === 'pretraining')
    feeds[NEXT_SENTENCE_LABEL] = {
      data: BigInt64Array.from(sequences, (s) => BigInt(s.nextSentenceLabel ?? IGNORED_LABEL_ID)),
      dims: [sequences.length],
    };
  return feeds;
}

/** Adds one sequence's cross-entropy (float64 log-softmax) and argmax hits over its labelled positions. */
function scoreLogits(logits: Float32Array, labels: Int32Array, into: EvalResult): void {
  const vocab = logits.length / labels.length;
  labels.forEach((label, t) => {
    if (label === IGNORED_LABEL_ID) return;
    const row = logits.subarray(t * vocab, (t + 1) * vocab);
    let max = Number.NEGATIVE_INFINITY;
    let best = 0;
    for (let v = 0; v < vocab; v++) {
      if ((row[v] as number) > max) {
        max = row[v] as number;
        best = v;
      }
    }
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp((row[v] as number) - max);
    into.lossSum += Math.log(sum) + max - (row[label] as number);
    into.labelled += 1;
    if (best === label) into.correct += 1;
  });
}

/** config.json naming the task's class of the config's family (what `from_pretrained` reads). */
function taskConfigJson(config: EncoderConfig, task: PretrainTask): string {
  const raw: Record<string, unknown> = {
    ...config.raw,
    architectures: [className(config, task)],
    model_type: config.modelType,
  };
  const sorted = Object.fromEntries(Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/**
 * The checkpoint's weights plus freshly initialised task-head parameters it lacks (BERT's pooler and NSP head when
 * pre-training starts from a masked-LM checkpoint), as `from_pretrained` initialises them; a missing backbone
 * weight still fails when the graph is built.
 */
function withInitialisedHeads(
  config: EncoderConfig,
  task: PretrainTask,
  dict: StateDict,
  warn: ((message: string) => void) | undefined,
): StateDict {
  const family = familyOf(config);
  const prefix = family.backbonePrefix;
  const specs = family.parameters(config, task);
  const has = (name: string) =>
    dict.has(name) || dict.has(name.startsWith(prefix) ? name.slice(prefix.length) : `${prefix}${name}`);
  const missing = specs.filter(
    (spec) =>
      !has(spec.name) && (!spec.name.startsWith(prefix) || family.initialisedLikeHead(spec.name, task)),
  );
  if (missing.length === 0) return dict;
  const random = new RandomValues(missing);
  const out: StateDict = new Map(dict);
  for (const spec of missing) out.set(spec.name, { shape: [...spec.shape], data: random.get(spec.name) });
  (warn ?? ((message: string) => console.warn(message)))(
    `initialised ${missing.map((s) => s.name).join(', ')} (not in the checkpoint)`,
  );
  return out;
}

function wrapOnnx<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new PretrainRunError('cannot build the ONNX training graph of this model', {
      cause: error,
      hint: `A masked-LM checkpoint (ModernBERT or BERT) with its MLM head is needed. ${error instanceof Error ? error.message : ''}`,
    });
  }
}
