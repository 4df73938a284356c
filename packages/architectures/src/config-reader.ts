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

/** A short description of any JSON value for messages; never walks nested values (a hostile config can nest deeply). */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Ranges every numeric setting must fall in, checked once when config.json is parsed so that nonsense values end
 * here as a `ModelConfigError` naming the key, not later as an out-of-memory abort or a tfjs error. Upper bounds are
 * far above any released encoder (ModernBERT-large: 28 layers, 1024 hidden, 8192 positions, 50368 tokens).
 */
const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  vocab_size: [1, 1 << 24],
  hidden_size: [1, 1 << 16],
  num_hidden_layers: [1, 1024],
  num_attention_heads: [1, 1 << 16],
  intermediate_size: [1, 1 << 20],
  max_position_embeddings: [1, 1 << 20],
  type_vocab_size: [1, 1 << 16],
  num_labels: [1, 100_000],
  local_attention: [2, 1 << 20],
  global_attn_every_n_layers: [1, 1024],
};

/** Real-valued settings: [min, max] and whether the upper bound itself is allowed. */
const NUMBER_RANGES: Readonly<
  Record<string, { min: number; max: number; maxIncluded: boolean; minIncluded: boolean }>
> = {
  hidden_dropout_prob: { min: 0, max: 1, minIncluded: true, maxIncluded: false },
  attention_probs_dropout_prob: { min: 0, max: 1, minIncluded: true, maxIncluded: false },
  classifier_dropout: { min: 0, max: 1, minIncluded: true, maxIncluded: false },
  embedding_dropout: { min: 0, max: 1, minIncluded: true, maxIncluded: false },
  attention_dropout: { min: 0, max: 1, minIncluded: true, maxIncluded: false },
  mlp_dropout: { min: 0, max: 1, minIncluded: true, maxIncluded: false },
  layer_norm_eps: { min: 0, max: 1, minIncluded: false, maxIncluded: true },
  norm_eps: { min: 0, max: 1, minIncluded: false, maxIncluded: true },
  initializer_range: { min: 0, max: 10, minIncluded: true, maxIncluded: true },
  initializer_cutoff_factor: { min: 0, max: 1000, minIncluded: true, maxIncluded: true },
  global_rope_theta: { min: 0, max: 1e12, minIncluded: false, maxIncluded: true },
  local_rope_theta: { min: 0, max: 1e12, minIncluded: false, maxIncluded: true },
};

/** No single weight matrix may hold more elements than one typed array can (2^31 - 1 float32s). */
const MAX_MATRIX_ELEMENTS = 2 ** 31 - 1;

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
      this.fail(`config.json "${key}" is not a number (got ${describe(value)})`);
    const range = NUMBER_RANGES[key];
    if (range !== undefined) {
      const { min, max, minIncluded, maxIncluded } = range;
      const below = minIncluded ? value < min : value <= min;
      const above = maxIncluded ? value > max : value >= max;
      if (below || above) {
        this.fail(
          `config.json "${key}" is ${value}, outside ${minIncluded ? '[' : '('}${min}, ${max}${maxIncluded ? ']' : ')'}`,
          key.endsWith('dropout') || key.endsWith('dropout_prob')
            ? 'A dropout probability is at least 0 and below 1'
            : 'Fix the value in config.json',
        );
      }
    }
    return value;
  }

  integer(key: string, fallback?: number): number {
    const value = this.number(key, fallback);
    if (!Number.isInteger(value)) this.fail(`config.json "${key}" must be an integer, got ${value}`);
    const range = INTEGER_RANGES[key];
    if (range !== undefined && (value < range[0] || value > range[1])) {
      this.fail(
        `config.json "${key}" is ${value}, outside the range ${range[0]}..${range[1]} bcmb accepts`,
        'Fix the value in config.json; no encoder bcmb runs comes near these bounds',
      );
    }
    return value;
  }

  /** `rows × columns` of a weight matrix that the settings `rowsKey` and `columnsKey` ask for. */
  matrix(rowsKey: string, rows: number, columnsKey: string, columns: number): void {
    if (rows * columns > MAX_MATRIX_ELEMENTS) {
      this.fail(
        `config.json "${rowsKey}" ${rows} × "${columnsKey}" ${columns} asks for a ${rows * columns}-element weight matrix`,
        'That is larger than one array can hold; fix the values in config.json',
      );
    }
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
    throw new UnsupportedConfigError(`config.json "${key}": ${describe(value)} is not supported (${why})`, {
      file: this.source,
      hint: `bcmb implements ${allowed.map((v) => JSON.stringify(v)).join(' or ')} only`,
    });
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
    if (typeof given !== 'object' || Array.isArray(given)) {
      throw new ModelConfigError('config.json "id2label" is not an object', {
        file: reader.source,
        hint: 'Write it as {"0": "label", ...}',
      });
    }
    const id2label = Object.fromEntries(
      Object.entries(given).map(([id, label]) => {
        if (typeof label !== 'string' && typeof label !== 'number') {
          throw new ModelConfigError(
            `config.json "id2label"["${id}"] is ${describe(label)}, not a label name`,
            {
              file: reader.source,
              hint: 'Write it as {"0": "label", ...}',
            },
          );
        }
        return [id, String(label)];
      }),
    );
    const numLabels = Object.keys(id2label).length;
    if (numLabels === 0 || numLabels > INTEGER_RANGES['num_labels']![1]) {
      throw new ModelConfigError(`config.json "id2label" lists ${numLabels} labels`, {
        file: reader.source,
        hint: `List between 1 and ${INTEGER_RANGES['num_labels']![1]} labels`,
      });
    }
    return { id2label, numLabels };
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
    throw new UnsupportedConfigError(`config.json "problem_type": ${describe(value)} is unknown`, {
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
  const vocabSize = reader.integer('vocab_size');
  const intermediateSize = reader.integer('intermediate_size');
  const maxPositionEmbeddings = reader.integer('max_position_embeddings');
  reader.matrix('vocab_size', vocabSize, 'hidden_size', hiddenSize);
  reader.matrix('intermediate_size', intermediateSize, 'hidden_size', hiddenSize);
  reader.matrix('max_position_embeddings', maxPositionEmbeddings, 'hidden_size', hiddenSize);
  const padTokenId = reader.raw['pad_token_id'] === null ? null : reader.integer('pad_token_id', 0);
  if (padTokenId !== null && (padTokenId < 0 || padTokenId >= vocabSize)) {
    throw new ModelConfigError(
      `config.json "pad_token_id" ${padTokenId} is not a token id below vocab_size ${vocabSize}`,
      {
        file: reader.source,
        hint: 'Fix pad_token_id or vocab_size in config.json',
      },
    );
  }
  if (architectures !== undefined && architectures !== null) {
    if (!Array.isArray(architectures) || !architectures.every((name) => typeof name === 'string')) {
      throw new ModelConfigError('config.json "architectures" is not a list of class names', {
        file: reader.source,
        hint: 'Write it as ["BertForMaskedLM"] or remove it',
      });
    }
  }
  return {
    vocabSize,
    hiddenSize,
    numHiddenLayers: reader.integer('num_hidden_layers'),
    numAttentionHeads,
    intermediateSize,
    maxPositionEmbeddings,
    padTokenId,
    initializerRange: reader.number('initializer_range', 0.02),
    ...readLabels(reader),
    problemType: readProblemType(reader),
    architectures: Array.isArray(architectures) ? (architectures as string[]) : [],
    raw: reader.raw,
  };
}
