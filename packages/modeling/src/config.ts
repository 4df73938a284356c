import { ModelConfigError, UnsupportedConfigError } from './errors.js';

/** Sequence-classification loss choice, as `transformers` names it in `config.problem_type`. */
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

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

export type AttentionType = 'full_attention' | 'sliding_attention';

interface EncoderConfigBase {
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
  problemType: ProblemType | null;
  architectures: string[];
  /** The config.json object as read, written back (with head fields updated) by `savePretrained`. */
  raw: Record<string, unknown>;
}

export interface BertConfig extends EncoderConfigBase {
  modelType: 'bert';
  hiddenAct: Activation;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  classifierDropout: number | null;
  typeVocabSize: number;
  layerNormEps: number;
}

export interface ModernBertConfig extends EncoderConfigBase {
  modelType: 'modernbert';
  hiddenActivation: Activation;
  classifierActivation: Activation;
  normEps: number;
  normBias: boolean;
  attentionBias: boolean;
  mlpBias: boolean;
  classifierBias: boolean;
  decoderBias: boolean;
  tieWordEmbeddings: boolean;
  embeddingDropout: number;
  attentionDropout: number;
  mlpDropout: number;
  classifierDropout: number;
  /** Full window width: a key j is visible to query i iff |i - j| <= localAttention / 2. */
  localAttention: number;
  globalAttnEveryNLayers: number;
  globalRopeTheta: number;
  localRopeTheta: number;
  classifierPooling: 'cls' | 'mean';
  initializerCutoffFactor: number;
  layerTypes: AttentionType[];
}

export type EncoderConfig = BertConfig | ModernBertConfig;
export type ModelType = EncoderConfig['modelType'];

const SUPPORTED_MODEL_TYPES: readonly ModelType[] = ['bert', 'modernbert'];

/** A short description of any JSON value for messages; never walks nested values (a hostile config can nest deeply). */
function describe(value: unknown): string {
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

class ConfigReader {
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

function readProblemType(reader: ConfigReader): ProblemType | null {
  const value = reader.raw['problem_type'];
  if (value === undefined || value === null) return null;
  const allowed: ProblemType[] = ['regression', 'single_label_classification', 'multi_label_classification'];
  if (!allowed.includes(value as ProblemType)) {
    throw new UnsupportedConfigError(`config.json "problem_type": ${describe(value)} is unknown`, {
      file: reader.source,
      hint: `Use one of ${allowed.join(', ')}`,
    });
  }
  return value as ProblemType;
}

function readBase(reader: ConfigReader): EncoderConfigBase {
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

function parseBert(reader: ConfigReader): BertConfig {
  reader.requireValue(
    'position_embedding_type',
    ['absolute'],
    'only absolute position embeddings are implemented',
  );
  reader.requireValue('is_decoder', [false], 'bcmb runs BERT as a bidirectional encoder');
  reader.requireValue('add_cross_attention', [false], 'cross-attention is not implemented');
  return {
    ...readBase(reader),
    modelType: 'bert',
    hiddenAct: reader.activation('hidden_act', 'gelu'),
    hiddenDropoutProb: reader.number('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: reader.number('attention_probs_dropout_prob', 0.1),
    classifierDropout: reader.nullableNumber('classifier_dropout'),
    typeVocabSize: reader.integer('type_vocab_size', 2),
    // BertConfig default layer_norm_eps.
    layerNormEps: reader.number('layer_norm_eps', 1e-12),
  };
}

function parseLayerTypes(reader: ConfigReader, numLayers: number, everyN: number): AttentionType[] {
  const given = reader.raw['layer_types'];
  if (given === undefined || given === null) {
    // ModernBertAttention: layer_id % global_attn_every_n_layers == 0 is global, the others slide.
    return Array.from({ length: numLayers }, (_, i) =>
      i % everyN === 0 ? 'full_attention' : 'sliding_attention',
    );
  }
  if (!Array.isArray(given) || given.length !== numLayers) {
    throw new ModelConfigError(`config.json "layer_types" must list ${numLayers} entries`, {
      file: reader.source,
    });
  }
  return given.map((type, i) => {
    if (type !== 'full_attention' && type !== 'sliding_attention') {
      throw new UnsupportedConfigError(
        `config.json "layer_types"[${i}]: ${describe(type)} is not implemented`,
        {
          file: reader.source,
          hint: 'Use full_attention or sliding_attention',
        },
      );
    }
    return type;
  });
}

/** Newer transformers write RoPE settings as `rope_parameters`; only the default (unscaled) RoPE is implemented. */
function ropeTheta(
  reader: ConfigReader,
  layerType: AttentionType,
  legacyKey: string,
  fallback: number,
): number {
  const parameters = reader.raw['rope_parameters'];
  const entry =
    typeof parameters === 'object' && parameters !== null
      ? (parameters as Record<string, unknown>)[layerType]
      : undefined;
  if (typeof entry === 'object' && entry !== null) {
    const fields = entry as Record<string, unknown>;
    if (fields['rope_type'] !== undefined && fields['rope_type'] !== 'default') {
      throw new UnsupportedConfigError(
        `rope_parameters.${layerType}.rope_type ${describe(fields['rope_type'])}`,
        {
          file: reader.source,
          hint: 'Only the default RoPE is implemented',
        },
      );
    }
    const theta = fields['rope_theta'];
    if (typeof theta === 'number') {
      if (!(theta > 0 && theta <= 1e12)) {
        throw new ModelConfigError(
          `config.json rope_parameters.${layerType}.rope_theta is ${theta}, not positive`,
          {
            file: reader.source,
            hint: 'Fix the value in config.json',
          },
        );
      }
      return theta;
    }
  }
  return reader.number(legacyKey, fallback);
}

function parseModernBert(reader: ConfigReader): ModernBertConfig {
  reader.requireValue('rope_scaling', [], 'scaled RoPE is not implemented');
  const base = readBase(reader);
  const headDim = reader.raw['head_dim'];
  if (headDim !== undefined && headDim !== null && headDim !== base.hiddenSize / base.numAttentionHeads) {
    throw new UnsupportedConfigError(
      `config.json "head_dim" ${describe(headDim)} differs from hidden/heads`,
      {
        file: reader.source,
      },
    );
  }
  const localAttention = reader.integer('local_attention', 128);
  const globalAttnEveryNLayers = reader.integer('global_attn_every_n_layers', 3);
  const pooling = reader.string('classifier_pooling', 'cls');
  if (pooling !== 'cls' && pooling !== 'mean') {
    throw new UnsupportedConfigError(
      `config.json "classifier_pooling": ${describe(pooling)} is not implemented`,
      {
        file: reader.source,
        hint: 'Use "cls" or "mean"',
      },
    );
  }
  // Defaults below are ModernBertConfig's (transformers 4.48).
  return {
    ...base,
    modelType: 'modernbert',
    hiddenActivation: reader.activation('hidden_activation', 'gelu'),
    classifierActivation: reader.activation('classifier_activation', 'gelu'),
    normEps: reader.number('norm_eps', 1e-5),
    normBias: reader.boolean('norm_bias', false),
    attentionBias: reader.boolean('attention_bias', false),
    mlpBias: reader.boolean('mlp_bias', false),
    classifierBias: reader.boolean('classifier_bias', false),
    decoderBias: reader.boolean('decoder_bias', true),
    tieWordEmbeddings: reader.boolean('tie_word_embeddings', true),
    embeddingDropout: reader.number('embedding_dropout', 0),
    attentionDropout: reader.number('attention_dropout', 0),
    mlpDropout: reader.number('mlp_dropout', 0),
    classifierDropout: reader.number('classifier_dropout', 0),
    localAttention,
    globalAttnEveryNLayers,
    globalRopeTheta: ropeTheta(reader, 'full_attention', 'global_rope_theta', 160000),
    localRopeTheta: ropeTheta(reader, 'sliding_attention', 'local_rope_theta', 10000),
    classifierPooling: pooling,
    initializerCutoffFactor: reader.number('initializer_cutoff_factor', 2),
    layerTypes: parseLayerTypes(reader, base.numHiddenLayers, globalAttnEveryNLayers),
  };
}

/**
 * `model_type` as `transformers.AutoConfig` resolves it: the field, else the architecture class name, else the
 * longest known type name contained in the model path; a config with BERT's own keys (type_vocab_size, hidden_act)
 * and nothing else to go by is BERT.
 */
function resolveModelType(raw: Record<string, unknown>, source: string): string {
  if (typeof raw['model_type'] === 'string') return raw['model_type'];
  const first: unknown = Array.isArray(raw['architectures']) ? raw['architectures'][0] : undefined;
  const architecture = typeof first === 'string' ? first : '';
  if (architecture.startsWith('ModernBert')) return 'modernbert';
  if (architecture.startsWith('Bert')) return 'bert';
  const byPath = [...SUPPORTED_MODEL_TYPES]
    .sort((a, b) => b.length - a.length)
    .find((t) => source.includes(t));
  if (byPath) return byPath;
  // 2019-era BERT configs (Bio_ClinicalBERT's) carry neither field; their keys are BertConfig's own.
  if ('type_vocab_size' in raw && 'hidden_act' in raw) return 'bert';
  throw new ModelConfigError('config.json has no "model_type" and no architecture bcmb recognises', {
    file: source,
    hint: 'Add "model_type": "bert" or "modernbert"',
  });
}

/** Parses a `config.json` object once into a typed config; `source` names the file in errors. */
export function parseConfig(raw: unknown, source = 'config.json'): EncoderConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelConfigError('config.json does not hold a JSON object', { file: source });
  }
  const record = raw as Record<string, unknown>;
  const modelType = resolveModelType(record, source);
  const reader = new ConfigReader(record, source);
  if (modelType === 'bert') return parseBert(reader);
  if (modelType === 'modernbert') return parseModernBert(reader);
  throw new UnsupportedConfigError(`model_type "${modelType}" is not implemented`, {
    file: source,
    hint: `bcmb implements ${SUPPORTED_MODEL_TYPES.join(' and ')}`,
  });
}
