import { ModelConfigError, UnsupportedConfigError } from './errors.js';
import type { ConfigProblemType } from './task.js';

/** Activation names of `transformers.activations.ACT2FN` that bcmb implements exactly. */
export const SUPPORTED_ACTIVATIONS = [
  'gelu',
  'gelu_new',
  'gelu_pytorch_tanh',
  'relu',
  'silu',
  'swish',
  'tanh',
] as const;
export type Activation = (typeof SUPPORTED_ACTIVATIONS)[number];

export interface EncoderConfigBase {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  padTokenId: number | null;
  initializerRange: number;
  id2label: Record<string, string>;
  numLabels: number;
  problemType: ConfigProblemType | null;
  architectures: string[];
  /** The config.json object as read, written back (with head fields updated) by `savePretrained`. */
  raw: Record<string, unknown>;
}

export class ConfigReader {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly source: string,
  ) {}

  private fail(what: string, hint?: string): never {
    throw new ModelConfigError(what, { file: this.source, hint });
  }

  number(key: string, fallback?: number): number {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      if (fallback === undefined)
        this.fail(`config.json has no "${key}"`, 'Add it as transformers writes it');
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(`config.json "${key}" is not a number`);
    return value;
  }

  integer(key: string, fallback?: number): number {
    const value = this.number(key, fallback);
    if (!Number.isInteger(value)) this.fail(`config.json "${key}" must be an integer, got ${value}`);
    return value;
  }

  /** An integer of at least 1 (sizes, counts). */
  positiveInteger(key: string, fallback?: number): number {
    const value = this.integer(key, fallback);
    if (value < 1) this.fail(`config.json "${key}" must be at least 1, got ${value}`);
    return value;
  }

  /** A dropout probability in [0, 1). */
  probability(key: string, fallback: number): number {
    const value = this.number(key, fallback);
    if (value < 0 || value >= 1) this.fail(`config.json "${key}" must be in [0, 1), got ${value}`);
    return value;
  }

  nullableNumber(key: string): number | null {
    const value = this.raw[key];
    return value === undefined || value === null ? null : this.number(key);
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(`config.json "${key}" is not a boolean`);
    return value;
  }

  string(key: string, fallback: string): string {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') this.fail(`config.json "${key}" is not a string`);
    return value;
  }

  /** A field whose only implemented value is `expected`; anything else would change the math. */
  requireValue(key: string, allowed: readonly unknown[], why: string): void {
    const value = this.raw[key];
    if (value === undefined || value === null || allowed.includes(value)) return;
    throw new UnsupportedConfigError(
      `config.json "${key}": ${JSON.stringify(value)} is not supported (${why})`,
      {
        file: this.source,
        hint: `bcmb implements ${allowed.map((v) => JSON.stringify(v)).join(' or ')} only`,
      },
    );
  }

  activation(key: string, fallback: Activation): Activation {
    const value = this.string(key, fallback);
    if (!(SUPPORTED_ACTIVATIONS as readonly string[]).includes(value)) {
      throw new UnsupportedConfigError(`config.json "${key}": activation "${value}" is not implemented`, {
        file: this.source,
        hint: `Supported: ${SUPPORTED_ACTIVATIONS.join(', ')}`,
      });
    }
    return value as Activation;
  }
}

function readLabels(reader: ConfigReader): { id2label: Record<string, string>; numLabels: number } {
  const given = reader.raw['id2label'];
  if (given !== undefined && given !== null) {
    if (typeof given !== 'object') throw new ModelConfigError('config.json "id2label" is not an object');
    const id2label = Object.fromEntries(Object.entries(given).map(([id, label]) => [id, String(label)]));
    return { id2label, numLabels: Object.keys(id2label).length };
  }
  // PretrainedConfig's default: num_labels 2 named LABEL_0, LABEL_1.
  const numLabels = reader.integer('num_labels', 2);
  return { id2label: defaultId2Label(numLabels), numLabels };
}

export function defaultId2Label(numLabels: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: numLabels }, (_, i) => [String(i), `LABEL_${i}`]));
}

function readProblemType(reader: ConfigReader): ConfigProblemType | null {
  const value = reader.raw['problem_type'];
  if (value === undefined || value === null) return null;
  const allowed: ConfigProblemType[] = [
    'regression',
    'single_label_classification',
    'multi_label_classification',
  ];
  if (!allowed.includes(value as ConfigProblemType)) {
    throw new UnsupportedConfigError(`config.json "problem_type": ${JSON.stringify(value)} is unknown`, {
      file: reader.source,
      hint: `Use one of ${allowed.join(', ')}`,
    });
  }
  return value as ConfigProblemType;
}

export function readBase(reader: ConfigReader): EncoderConfigBase {
  const hiddenSize = reader.integer('hidden_size');
  const numAttentionHeads = reader.integer('num_attention_heads');
  if (hiddenSize % numAttentionHeads !== 0) {
    throw new ModelConfigError(
      `hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${numAttentionHeads}`,
      { file: reader.source },
    );
  }
  const architectures = reader.raw['architectures'];
  return {
    vocabSize: reader.integer('vocab_size'),
    hiddenSize,
    numHiddenLayers: reader.integer('num_hidden_layers'),
    numAttentionHeads,
    intermediateSize: reader.integer('intermediate_size'),
    maxPositionEmbeddings: reader.integer('max_position_embeddings'),
    padTokenId: reader.raw['pad_token_id'] === null ? null : reader.integer('pad_token_id', 0),
    initializerRange: reader.number('initializer_range', 0.02),
    ...readLabels(reader),
    problemType: readProblemType(reader),
    architectures: Array.isArray(architectures) ? architectures.map(String) : [],
    raw: reader.raw,
  };
}
