import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CONFIG_FILE,
  type ConfigProblemType,
  DEFAULT_SAFETENSORS_METADATA,
  defaultId2Label,
  type EncoderConfig,
  familyOf,
  loadWeights,
  readConfig,
  SAFETENSORS_WEIGHTS_FILE,
  type StateDict,
  type Task,
  taskFromArchitectures,
  WeightMismatchError,
  type WeightsFormat,
  writeSafetensors,
} from '@bcmb/architectures';
import { writeFileAtomic } from '@bcmb/core';
import * as tf from '@tensorflow/tfjs-core';
import { EncoderForTask, type EncoderModel } from './model.js';
import { ParameterSet, type WeightSource } from './nn.js';

export interface LoadReport {
  /** Where the weights came from; `random` for a model built from config.json alone. */
  source: WeightsFormat | 'random';
  files: string[];
  /** Parameters the checkpoint lacked, which were initialised (task heads, or everything for `random`). */
  missing: string[];
  /** Checkpoint weights the model does not use (e.g. an MLM head when loading a classifier). */
  unexpected: string[];
  /** TensorFlow-era names renamed on load (gamma → weight, beta → bias). */
  renamed: [string, string][];
}

export type PretrainedModel = EncoderModel & { readonly loadReport: LoadReport };

export interface FromPretrainedOptions {
  /** Head to build; by default the one named by config.json `architectures` (else `base`). */
  task?: Task;
  /** Number of classification labels (named LABEL_i) when the head is new; replaces config.json's. */
  numLabels?: number;
  id2label?: Record<string, string>;
  problemType?: ConfigProblemType;
  /** config.json fields to override before parsing (e.g. `{ classifier_pooling: 'cls' }`). */
  configOverrides?: Record<string, unknown>;
  /** Initialise missing backbone weights instead of failing. */
  allowMissing?: boolean;
  /**
   * transformers' `ignore_mismatched_sizes`: a checkpoint weight whose shape differs from the model's (a classifier
   * trained on another label set) is dropped and initialised, with a warning, instead of failing.
   */
  ignoreMismatchedSizes?: boolean;
  /** Receives the load notices transformers logs as warnings; console.warn by default. */
  onWarning?: (message: string) => void;
}

function withLabels(config: EncoderConfig, options: FromPretrainedOptions): EncoderConfig {
  let { id2label, numLabels, problemType } = config;
  if (options.id2label) {
    id2label = options.id2label;
    numLabels = Object.keys(id2label).length;
  } else if (options.numLabels !== undefined && options.numLabels !== numLabels) {
    id2label = defaultId2Label(options.numLabels);
    numLabels = options.numLabels;
  }
  return { ...config, id2label, numLabels, problemType: options.problemType ?? problemType };
}

/** Builds the model of a config's family; `source` supplies checkpoint weights, anything missing is initialised. */
export function createModel(config: EncoderConfig, task: Task, source?: WeightSource): EncoderModel {
  return new EncoderForTask(config, task, new ParameterSet(source));
}

/**
 * Serves checkpoint weights to the model under construction, reconciling the backbone prefix as
 * `from_pretrained` does: a bare base checkpoint loads into a task model and a task checkpoint into a base model.
 * Each weight is released once taken, so at most one extra copy of any tensor is alive while loading.
 */
class CheckpointSource implements WeightSource {
  private readonly checkpointHasPrefix: boolean;
  /** Weights dropped for their shape under `ignoreMismatchedSizes`: name, checkpoint shape, model shape. */
  readonly mismatched: { name: string; found: number[]; expected: number[] }[] = [];

  constructor(
    private readonly dict: StateDict,
    private readonly familyPrefix: string,
    private readonly modelIsBase: boolean,
    private readonly ignoreMismatchedSizes = false,
  ) {
    this.checkpointHasPrefix = [...dict.keys()].some((key) => key.startsWith(familyPrefix));
  }

  private checkpointName(name: string): string {
    if (this.modelIsBase) return this.checkpointHasPrefix ? this.familyPrefix + name : name;
    if (name.startsWith(this.familyPrefix) && !this.checkpointHasPrefix)
      return name.slice(this.familyPrefix.length);
    return name;
  }

  take(name: string, shape: readonly number[]): { shape: number[]; data: Float32Array } | undefined {
    const key = this.checkpointName(name);
    const tensor = this.dict.get(key);
    if (tensor === undefined) return undefined;
    this.dict.delete(key);
    if (this.ignoreMismatchedSizes && tensor.shape.join(',') !== shape.join(',')) {
      this.mismatched.push({ name, found: tensor.shape, expected: [...shape] });
      return undefined;
    }
    return tensor;
  }

  remaining(): string[] {
    return [...this.dict.keys()];
  }
}

/** Checkpoint keys transformers drops without a warning: non-persistent buffers and aliases of tied weights. */
function isSilentlyIgnored(key: string, model: EncoderModel, familyPrefix: string): boolean {
  if (key.endsWith('position_ids')) return true;
  const unprefixed = key.startsWith(familyPrefix) ? key.slice(familyPrefix.length) : key;
  if (model.tiedWeights.has(key) || model.tiedWeights.has(unprefixed)) return true;
  return familyOf(model.config).ignoredOnLoad(key, model.task);
}

/**
 * Loads a Hugging Face model folder (config.json + model.safetensors / sharded safetensors / pytorch_model.bin)
 * into a tfjs model. Missing head weights are initialised and announced; a missing backbone weight is an error
 * unless `allowMissing`.
 */
export async function fromPretrained(
  dir: string,
  options: FromPretrainedOptions = {},
): Promise<PretrainedModel> {
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const config = withLabels(await readConfig(dir, options.configOverrides), options);
  const task = options.task ?? taskFromArchitectures(config);
  const weights = await loadWeights(dir);
  const familyPrefix = familyOf(config).backbonePrefix;
  const source = new CheckpointSource(
    weights.stateDict,
    familyPrefix,
    task === 'base',
    options.ignoreMismatchedSizes === true,
  );
  const model = createModel(config, task, source);
  try {
    const missing = [...model.params.initialized];
    const unexpected = source.remaining().filter((key) => !isSilentlyIgnored(key, model, familyPrefix));
    const reshaped = new Set(source.mismatched.map(({ name }) => name));
    const backboneMissing = missing.filter(
      (name) =>
        name.startsWith(model.basePrefix) &&
        !familyOf(config).initialisedLikeHead(name, task) &&
        !reshaped.has(name),
    );
    if (backboneMissing.length > 0 && !options.allowMissing) {
      throw new WeightMismatchError(
        `${backboneMissing.length} backbone weight(s) of ${model.className} are missing from the checkpoint: ${backboneMissing.slice(0, 5).join(', ')}${backboneMissing.length > 5 ? ', …' : ''}`,
        {
          file: weights.files[0],
          hint: 'Check the folder holds this architecture, or pass allowMissing: true',
        },
      );
    }
    if (unexpected.length > 0) {
      warn(
        `Some weights of the model checkpoint at ${dir} were not used when initializing ${model.className}: ${unexpected.join(', ')}`,
      );
    }
    if (source.mismatched.length > 0) {
      const lines = source.mismatched.map(
        ({ name, found, expected }) =>
          `- ${name}: found shape [${found.join(', ')}] in the checkpoint and [${expected.join(', ')}] in the model instantiated`,
      );
      warn(
        `Some weights of ${model.className} were not initialized from the model checkpoint at ${dir} and are newly initialized because the shapes did not match:\n${lines.join('\n')}\nYou should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.`,
      );
    }
    const fresh = missing.filter((name) => !reshaped.has(name));
    if (fresh.length > 0) {
      warn(
        `Some weights of ${model.className} were not initialized from the model checkpoint at ${dir} and are newly initialized: ${fresh.join(', ')}. You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.`,
      );
    }
    const loadReport: LoadReport = {
      source: weights.format,
      files: weights.files,
      missing,
      unexpected,
      renamed: weights.renamedKeys,
    };
    return Object.assign(model, { loadReport });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * A model with freshly initialised weights built from `<dir>/config.json` alone (benchmarks, tests, pretraining
 * from scratch). Its `loadReport.source` is `random`.
 */
export async function randomModel(
  dir: string,
  options: Pick<
    FromPretrainedOptions,
    'task' | 'numLabels' | 'id2label' | 'problemType' | 'configOverrides'
  > = {},
): Promise<PretrainedModel> {
  const config = withLabels(await readConfig(dir, options.configOverrides), options);
  const task = options.task ?? taskFromArchitectures(config);
  const model = createModel(config, task);
  const loadReport: LoadReport = {
    source: 'random',
    files: [join(dir, CONFIG_FILE)],
    missing: [...model.params.initialized],
    unexpected: [],
    renamed: [],
  };
  return Object.assign(model, { loadReport });
}

/** config.json as `save_pretrained` writes it: the loaded fields, this model's class and labels, keys sorted. */
export function configJson(model: EncoderModel): string {
  const { config } = model;
  const raw: Record<string, unknown> = {
    ...config.raw,
    architectures: [model.className],
    model_type: config.modelType,
  };
  delete raw['num_labels'];
  // PretrainedConfig.to_diff_dict leaves out the default two LABEL_i labels.
  if (JSON.stringify(config.id2label) === JSON.stringify(defaultId2Label(2))) {
    delete raw['id2label'];
    delete raw['label2id'];
  } else {
    raw['id2label'] = config.id2label;
    raw['label2id'] = Object.fromEntries(
      Object.entries(config.id2label).map(([id, label]) => [label, Number(id)]),
    );
  }
  if (config.problemType) raw['problem_type'] = config.problemType;
  const sorted = Object.fromEntries(Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/**
 * The weights `save_pretrained` would write for this model: `transformers` names and PyTorch layouts, tied
 * aliases left out (as safetensors requires).
 */
export function stateDictOf(model: EncoderModel): StateDict {
  const dict: StateDict = new Map();
  for (const [name, variable] of model.params.variables) {
    const tensor = model.params.transposed.has(name) ? tf.transpose(variable) : variable;
    const hfShape = model.params.transposed.has(name) ? [...variable.shape].reverse() : [...variable.shape];
    dict.set(name, { shape: hfShape, data: tensor.dataSync() as Float32Array });
    if (tensor !== variable) tensor.dispose();
  }
  return dict;
}

/**
 * Writes `config.json` and `model.safetensors` (F32, metadata {"format": "pt"}) into `dir`, each file atomically
 * (temp file + rename), so `transformers` `from_pretrained` loads the result.
 */
export async function savePretrained(model: EncoderModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, SAFETENSORS_WEIGHTS_FILE), stateDictOf(model), {
    ...DEFAULT_SAFETENSORS_METADATA,
  });
  await writeFileAtomic(join(dir, CONFIG_FILE), configJson(model));
}
