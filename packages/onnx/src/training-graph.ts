import {
  type ConfigProblemType,
  type EncoderConfig,
  familyOf,
  type ParameterSpec,
  type StateDict,
  type Task,
} from '@bcmb/architectures';
import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import { OnnxExportError } from './errors.js';
import { declareTokenInputs } from './export.js';
import { GraphBuilder } from './graph.js';
import { type DropoutMask, OnnxOps } from './onnx-ops.js';
import type { TrainingModel } from './training/session.js';
import { ParameterList, type ParameterValues, RandomValues, StateDictValues } from './weights.js';

/** Graph input of the labels: `[B, L]` int64 token labels, `[B]` int64 classes, `[B, C]` float targets. */
export const LABELS = 'labels';
/** Graph input of the pre-training task's next-sentence labels: `[B]` int64 (0 = is next, 1 = random). */
export const NEXT_SENTENCE_LABEL = 'next_sentence_label';
/** Graph output of the mean loss (a scalar). */
export const LOSS = 'loss';

export interface TrainingGraph {
  graph: GraphBuilder;
  /** The parameters the graph takes as inputs (named by their `transformers` name), in the family's order. */
  parameters: ParameterSpec[];
  /** Input names: ids, mask, token types (when the family uses them), labels. */
  inputNames: string[];
  dropoutMasks: DropoutMask[];
  /** The scalar loss value. */
  loss: string;
  /** The logits value: `[tokens, C]` rows for token tasks, `[B, C]` for sequences. */
  logits: string;
}

export interface TrainingGraphOptions {
  /** Sequence classification's loss; required for that task. */
  problemType?: ConfigProblemType;
  /** Dropout masks fed as inputs (default), drawn in the graph, or none (see `OnnxOpsOptions.dropoutMasks`). */
  dropoutMasks?: 'inputs' | 'graph' | 'none';
  /** First seed of in-graph masks (see `OnnxOpsOptions.dropoutSeed`). */
  dropoutSeed?: number;
}

/** Shapes of the parameters, served to the ops from the family's list (a training graph holds no values). */
class ShapesOnly extends ParameterList implements ParameterValues {
  get(name: string): Float32Array {
    throw new OnnxExportError(`a training graph takes "${name}" as an input, not as a value`);
  }
}

/**
 * The forward pass of a family and its task loss as one ONNX graph on standard ops, parameters as inputs, real
 * tokens only in the dense layers: what the training engine differentiates. The loss is `transformers`'
 * (cross-entropy ignoring -100 for token tasks and single-label sequences, BCE-with-logits for multi-label, MSE
 * for regression), averaged as torch averages it.
 */
export function buildTrainingGraph(
  config: EncoderConfig,
  task: Task,
  options: TrainingGraphOptions = {},
): TrainingGraph {
  if (task === 'base') {
    throw new OnnxExportError('a base model has no head and no loss to train', {
      hint: 'Train a masked-lm, sequence-classification or token-classification model',
    });
  }
  const family = familyOf(config);
  const parameters = family.parameters(config, task);
  const g = new GraphBuilder();
  const dims = ['batch', 'sequence'];
  const { inputs, inputNames } = declareTokenInputs(g, family);
  const ops = new OnnxOps(g, new ShapesOnly(parameters), inputs, {
    quantize: false,
    unpad: true,
    maxPositions: config.maxPositionEmbeddings,
    training: true,
    dropoutMasks: options.dropoutMasks ?? 'inputs',
    ...(options.dropoutSeed === undefined ? {} : { dropoutSeed: options.dropoutSeed }),
  });
  const result = family.forward(ops, config, task);
  const logits = ops.value(result.logits as NonNullable<typeof result.logits>);
  inputNames.push(LABELS);
  let loss: string;
  if (task === 'sequence-classification') {
    const problemType = options.problemType;
    if (!problemType) {
      throw new OnnxExportError('a sequence-classification training graph needs its problem type', {
        hint: 'Pass problemType (single_label_classification, multi_label_classification or regression)',
      });
    }
    if (problemType === 'single_label_classification')
      loss = crossEntropy(g, logits, g.input(LABELS, 'int64', ['batch']));
    else if (problemType === 'multi_label_classification')
      loss = bceWithLogits(g, logits, g.input(LABELS, 'float32', ['batch', config.numLabels]));
    else loss = meanSquaredError(g, logits, g.input(LABELS, 'float32', ['batch', config.numLabels]));
  } else {
    const labels = g.input(LABELS, 'int64', dims);
    loss = crossEntropy(g, logits, ops.denseIds(labels));
    if (task === 'pretraining') {
      // BertForPreTraining: total_loss = masked_lm_loss + next_sentence_loss.
      inputNames.push(NEXT_SENTENCE_LABEL);
      const nsp = ops.value(result.seqRelationshipLogits as NonNullable<typeof result.seqRelationshipLogits>);
      loss = g.one('Add', [loss, crossEntropy(g, nsp, g.input(NEXT_SENTENCE_LABEL, 'int64', ['batch']))]);
    }
  }
  g.output(loss, LOSS, 'float32', []);
  const used = new Set(ops.parameterNames);
  return {
    graph: g,
    parameters: parameters.filter((spec) => used.has(spec.name)),
    inputNames,
    dropoutMasks: ops.dropoutMasks,
    loss: LOSS,
    logits,
  };
}

/**
 * torch.nn.CrossEntropyLoss (mean over labels that are not -100) of `[N, C]` logits and `[N]` int64 labels:
 * -Σ log_softmax(x)[label] · valid / max(Σ valid, 1).
 */
function crossEntropy(g: GraphBuilder, logits: string, labels: string): string {
  const valid = g.one('Not', [g.one('Equal', [labels, g.constInt64([IGNORED_LABEL_ID], true)])]);
  const safe = g.one('Where', [valid, labels, g.constInt64([0], true)]);
  const logProbs = g.one('LogSoftmax', [logits], { axis: -1 });
  const picked = g.one('GatherElements', [logProbs, g.one('Unsqueeze', [safe, g.constInt64([1])])], {
    axis: 1,
  });
  const weight = g.one('Unsqueeze', [g.one('Cast', [valid], { to: 1 }), g.constInt64([1])]);
  const total = g.one('ReduceSum', [g.one('Mul', [picked, weight])], { keepdims: 0 });
  // Divided by max(count, 1): a batch without labels gives loss 0 and no gradient (torch: NaN), so a packed
  // pretraining row whose masking drew no position adds nothing to an accumulated step.
  const count = g.one('Max', [g.one('ReduceSum', [weight], { keepdims: 0 }), g.constFloat([1], true)]);
  return g.one('Neg', [g.one('Div', [total, count])]);
}

/** torch.nn.BCEWithLogitsLoss (mean): -(y·log σ(x) + (1 - y)·log σ(-x)). */
function bceWithLogits(g: GraphBuilder, logits: string, targets: string): string {
  const logSigmoid = (x: string) => g.one('Log', [g.one('Sigmoid', [x])]);
  const positive = g.one('Mul', [targets, logSigmoid(logits)]);
  const negative = g.one('Mul', [
    g.one('Sub', [g.constFloat([1], true), targets]),
    logSigmoid(g.one('Neg', [logits])),
  ]);
  return g.one('Neg', [g.one('ReduceMean', [g.one('Add', [positive, negative])], { keepdims: 0 })]);
}

/** torch.nn.MSELoss (mean). */
function meanSquaredError(g: GraphBuilder, predictions: string, targets: string): string {
  const difference = g.one('Sub', [predictions, targets]);
  return g.one('ReduceMean', [g.one('Mul', [difference, difference])], { keepdims: 0 });
}

/** The Trainer's decay groups from the family's parameter roles: biases and LayerNorm parameters do not decay. */
export function decaysWeight(spec: ParameterSpec): boolean {
  return spec.role !== 'bias' && spec.role !== 'norm';
}

/**
 * A training graph with the initial values of its parameters from a state dict (backbone prefix reconciled as
 * `from_pretrained` does) or freshly initialised (`random`, for benchmarks), ready for `TrainingSession.create`.
 */
export function trainingModelOf(
  config: EncoderConfig,
  task: Task,
  weights: StateDict | 'random',
  options: TrainingGraphOptions = {},
): TrainingGraph & { model: TrainingModel } {
  const built = buildTrainingGraph(config, task, options);
  const values: ParameterValues =
    weights === 'random'
      ? new RandomValues(built.parameters)
      : new StateDictValues(weights, built.parameters, familyOf(config).backbonePrefix);
  const parameters = built.parameters.map((spec) => ({
    name: spec.name,
    data: values.get(spec.name),
    decay: decaysWeight(spec),
  }));
  return { ...built, model: { graph: built.graph, loss: built.loss, parameters } };
}
