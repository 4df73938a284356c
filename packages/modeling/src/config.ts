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
      this.fail(`config.json "${key}" is not a number`);
    return value;
  }

  integer(key: string, fallback?: number): number {
    const value = this.number(key, fallback);
    if (!Number.isInteger(value)) this.fail(`config.json "${key}" must be an integer, got ${value}`);
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

function readProblemType(reader: ConfigReader): ProblemType | null {
  const value = reader.raw['problem_type'];
  if (value === undefined || value === null) return null;
  const allowed: ProblemType[] = ['regression', 'single_label_classification', 'multi_label_classification'];
  if (!allowed.includes(value as ProblemType)) {
    throw new UnsupportedConfigError(`config.json "problem_type": ${JSON.stringify(value)} is unknown`, {
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
        `config.json "layer_types"[${i}]: "${String(type)}" is not implemented`,
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
  const parameters = reader.raw['rope_parameters'] as
    | Record<string, Record<string, unknown> | undefined>
    | undefined;
  const entry = parameters?.[layerType];
  if (entry) {
    if (entry['rope_type'] !== undefined && entry['rope_type'] !== 'default') {
      throw new UnsupportedConfigError(
        `rope_parameters.${layerType}.rope_type "${String(entry['rope_type'])}"`,
        {
          file: reader.source,
          hint: 'Only the default RoPE is implemented',
        },
      );
    }
    if (typeof entry['rope_theta'] === 'number') return entry['rope_theta'];
  }
  return reader.number(legacyKey, fallback);
}

function parseModernBert(reader: ConfigReader): ModernBertConfig {
  reader.requireValue('rope_scaling', [], 'scaled RoPE is not implemented');
  const base = readBase(reader);
  const headDim = reader.raw['head_dim'];
  if (headDim !== undefined && headDim !== null && headDim !== base.hiddenSize / base.numAttentionHeads) {
    throw new UnsupportedConfigError(`config.json "head_dim" ${String(headDim)} differs from hidden/heads`, {
      file: reader.source,
    });
  }
  const localAttention = reader.integer('local_attention', 128);
  const globalAttnEveryNLayers = reader.integer('global_attn_every_n_layers', 3);
  const pooling = reader.string('classifier_pooling', 'cls');
  if (pooling !== 'cls' && pooling !== 'mean') {
    throw new UnsupportedConfigError(`config.json "classifier_pooling": "${pooling}" is not implemented`, {
      file: reader.source,
      hint: 'Use "cls" or "mean"',
    });
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
  const architecture = Array.isArray(raw['architectures']) ? String(raw['architectures'][0] ?? '') : '';
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
