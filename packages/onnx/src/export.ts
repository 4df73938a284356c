import { writeFileAtomic } from '@bcmb/core';
import {
  type EncoderConfig,
  loadWeights,
  readConfig,
  type StateDict,
  type Task,
  taskFromArchitectures,
} from '@bcmb/modeling';
import { bertEncoder, bertMaskedLmHead, bertSequenceHead, bertTokenHead } from './bert.js';
import { GraphBuilder, type ModelProto, serializeModel } from './graph.js';
import type { HeadInputs } from './model-graph.js';
import {
  modernBertEncoder,
  modernBertMaskedLmHead,
  modernBertSequenceHead,
  modernBertTokenHead,
} from './modernbert.js';
import { RandomWeights, WeightReader } from './weights.js';

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

const BACKBONE_PREFIX: Record<EncoderConfig['modelType'], string> = { bert: 'bert.', modernbert: 'model.' };

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
  return buildGraph(config, new WeightReader(stateDict, BACKBONE_PREFIX[config.modelType]), options);
}

/**
 * The graph of a config with freshly initialised weights (norms 1, biases 0, the rest Normal(0, 0.02)):
 * full-size models for speed and quantization measurements without a checkpoint.
 */
export function exportRandomEncoder(
  config: EncoderConfig,
  options: ExportOptions & { seed?: number } = {},
): ExportedModel {
  return buildGraph(config, new RandomWeights(options.seed), options);
}

function buildGraph(config: EncoderConfig, w: WeightReader, options: ExportOptions): ExportedModel {
  const task = options.task ?? taskFromArchitectures(config);
  const quantize = options.quantize ?? false;
  const emit = { quantize, unpad: options.unpad ?? true };
  const g = new GraphBuilder();
  const dims = ['batch', 'sequence'];
  const inputIds = g.input(INPUT_IDS, 'int64', dims);
  const attentionMask = g.input(ATTENTION_MASK, 'int64', dims);
  const inputNames = [INPUT_IDS, ATTENTION_MASK];

  let hidden: string;
  let logits: string | undefined;
  if (config.modelType === 'bert') {
    const tokenTypeIds = g.input(TOKEN_TYPE_IDS, 'int64', dims);
    inputNames.push(TOKEN_TYPE_IDS);
    hidden = bertEncoder(g, config, w, { inputIds, attentionMask, tokenTypeIds }, emit).lastHiddenState;
    const head: HeadInputs = { hidden, attentionMask };
    if (task === 'masked-lm') logits = bertMaskedLmHead(g, config, w, head);
    if (task === 'sequence-classification') logits = bertSequenceHead(g, config, w, head);
    if (task === 'token-classification') logits = bertTokenHead(g, config, w, head);
  } else {
    hidden = modernBertEncoder(g, config, w, { inputIds, attentionMask }, emit).lastHiddenState;
    const head: HeadInputs = { hidden, attentionMask };
    if (task === 'masked-lm') logits = modernBertMaskedLmHead(g, config, w, head);
    if (task === 'sequence-classification') logits = modernBertSequenceHead(g, config, w, head);
    if (task === 'token-classification') logits = modernBertTokenHead(g, config, w, head);
  }

  const outputNames: string[] = [];
  if (logits === undefined || (options.withHiddenState ?? true)) {
    g.output(hidden, LAST_HIDDEN_STATE, 'float32', [...dims, config.hiddenSize]);
    outputNames.push(LAST_HIDDEN_STATE);
  }
  if (logits !== undefined) {
    const labels = task === 'masked-lm' ? config.vocabSize : config.numLabels;
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

/** Reads `<dir>/config.json` and the weights (safetensors or pytorch_model.bin) and exports them. */
export async function exportModelDir(dir: string, options: ExportOptions = {}): Promise<ExportedModel> {
  const config = await readConfig(dir);
  const { stateDict } = await loadWeights(dir);
  return exportEncoder(config, stateDict, options);
}

/** Writes the model as a `.onnx` file (atomically: nothing half-written on failure). */
export async function saveOnnx(model: ExportedModel | ModelProto, path: string): Promise<void> {
  const proto = 'proto' in model ? model.proto : model;
  await writeFileAtomic(path, serializeModel(proto));
}
