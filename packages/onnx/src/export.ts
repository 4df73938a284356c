import {
  type EncoderConfig,
  type Family,
  familyOf,
  type StateDict,
  type Task,
  taskFromArchitectures,
} from '@bcmb/architectures';
import { GraphBuilder, type ModelProto } from './graph.js';
import { type OnnxGraphInputs, OnnxOps } from './onnx-ops.js';
import { type ParameterValues, RandomValues, StateDictValues } from './weights.js';

/** Graph input and output names, as Hugging Face's ONNX exports name them. */
export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const TOKEN_TYPE_IDS = 'token_type_ids';
export const LAST_HIDDEN_STATE = 'last_hidden_state';
export const LOGITS = 'logits';

export interface ExportOptions {
  /** The head to export; by default the one config.json `architectures` names (`base` for none). */
  task?: Task;
  /** int8 per-channel weights for the encoder's linear layers (heads stay float32). */
  quantize?: boolean;
  /**
   * Run the per-token layers on real tokens only, gathered out of the padded batch (default true); attention
   * still sees each padded sequence. Padding rows of the outputs are then 0.
   */
  unpad?: boolean;
  /** Also output `last_hidden_state` when a head is exported (always output for `base`). Default true. */
  withHiddenState?: boolean;
  /** ORT's fused kernels (default) or standard opset-17 ops only (see `OnnxOpsOptions.kernels`). */
  kernels?: 'fused' | 'standard';
  /**
   * Told which weights the checkpoint lacks and were initialised as `from_pretrained` initialises them (BERT's
   * pooler, absent from MLM and token-classification checkpoints, when a base model or a sequence classifier is
   * exported from one). Default: console.warn.
   */
  onWarning?: (message: string) => void;
}

export interface ExportedModel {
  proto: ModelProto;
  config: EncoderConfig;
  task: Task;
  quantized: boolean;
  /** Graph input names, in order (`token_type_ids` for BERT only). */
  inputNames: string[];
  outputNames: string[];
}

/**
 * Builds the ONNX graph of an encoder and head from its config and a state dict with `transformers` names
 * (from `loadWeights`, or `stateDictOf(model)` for a model bcmb just trained). Dynamic `batch` and `sequence`
 * axes; weights are initializers; opset 17 plus ORT's com.microsoft fused operators.
 */
export function exportEncoder(
  config: EncoderConfig,
  stateDict: StateDict,
  options: ExportOptions = {},
): ExportedModel {
  const task = options.task ?? taskFromArchitectures(config);
  const family = familyOf(config);
  const parameters = family.parameters(config, task);
  const fresh = new RandomValues(parameters);
  const initialised: string[] = [];
  const values = new StateDictValues(stateDict, parameters, family.backbonePrefix, (name) => {
    if (!family.initialisedLikeHead(name, task)) return undefined;
    initialised.push(name);
    return fresh.get(name);
  });
  const model = buildGraph(config, task, values, options);
  if (initialised.length > 0) {
    (options.onWarning ?? console.warn)(
      `Some weights of ${config.architectures[0] ?? config.modelType} (exported as ${task}) were not in the checkpoint and are newly initialized: ${initialised.join(', ')}`,
    );
  }
  return model;
}

/**
 * The graph of a config with freshly initialised weights (norms 1, biases 0, the rest Normal(0, 0.02)):
 * full-size models for speed and quantization measurements without a checkpoint.
 */
export function exportRandomEncoder(
  config: EncoderConfig,
  options: ExportOptions & { seed?: number } = {},
): ExportedModel {
  const task = options.task ?? taskFromArchitectures(config);
  return buildGraph(
    config,
    task,
    new RandomValues(familyOf(config).parameters(config, task), options.seed),
    options,
  );
}

/** The graph inputs of a batch of token ids, as Hugging Face's ONNX exports name them (`token_type_ids` when the family uses them). */
export function declareTokenInputs(
  g: GraphBuilder,
  family: Family,
): { inputs: OnnxGraphInputs; inputNames: string[] } {
  const dims = ['batch', 'sequence'];
  const inputs: OnnxGraphInputs = {
    inputIds: g.input(INPUT_IDS, 'int64', dims),
    attentionMask: g.input(ATTENTION_MASK, 'int64', dims),
  };
  if (family.usesTokenTypes) inputs.tokenTypeIds = g.input(TOKEN_TYPE_IDS, 'int64', dims);
  return {
    inputs,
    inputNames: [INPUT_IDS, ATTENTION_MASK, ...(family.usesTokenTypes ? [TOKEN_TYPE_IDS] : [])],
  };
}

function buildGraph(
  config: EncoderConfig,
  task: Task,
  values: ParameterValues,
  options: ExportOptions,
): ExportedModel {
  const family = familyOf(config);
  const quantize = options.quantize ?? false;
  const g = new GraphBuilder();
  const dims = ['batch', 'sequence'];
  const { inputs, inputNames } = declareTokenInputs(g, family);
  const ops = new OnnxOps(g, values, inputs, {
    quantize,
    unpad: options.unpad ?? true,
    maxPositions: config.maxPositionEmbeddings,
    kernels: options.kernels ?? 'fused',
  });
  const result = family.forward(ops, config, task);
  const hidden = ops.padded(result.hidden);
  let logits: string | undefined;
  if (result.logits)
    logits = task === 'sequence-classification' ? ops.value(result.logits) : ops.padded(result.logits);

  const outputNames: string[] = [];
  if (logits === undefined || (options.withHiddenState ?? true)) {
    g.output(hidden, LAST_HIDDEN_STATE, 'float32', [...dims, config.hiddenSize]);
    outputNames.push(LAST_HIDDEN_STATE);
  }
  if (logits !== undefined) {
    const labels = task === 'masked-lm' || task === 'pretraining' ? config.vocabSize : config.numLabels;
    g.output(
      logits,
      LOGITS,
      'float32',
      task === 'sequence-classification' ? ['batch', labels] : [...dims, labels],
    );
    outputNames.push(LOGITS);
  }
  const proto = g.build(
    `${config.modelType}-${task}`,
    `bcmb export of ${config.architectures[0] ?? config.modelType} (${task}${quantize ? ', int8 weights' : ''})`,
  );
  return { proto, config, task, quantized: quantize, inputNames, outputNames };
}
