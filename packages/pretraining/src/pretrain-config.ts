import { PretrainConfigError } from './errors.js';
import { createLrSchedule, type LrSchedule } from './schedules.js';
import { parseTime, type Time } from './time.js';
import {
  applyOverrides,
  type ConfigTree,
  type ConfigValue,
  configLeaves,
  readOmegaConfYaml,
  resolveInterpolations,
} from './yaml-config.js';

/**
 * What bcmb does with each key of the research YAMLs. `honoured`: drives training exactly as ModernBERT/Composer
 * would. `checked`: an architecture key compared with the checkpoint the run starts from (the architecture comes
 * from the checkpoint). `no-effect`: logging, workers, compilation and other switches that do not change the
 * trained weights here. Any key outside this table is refused with its path, because bcmb cannot tell whether it
 * changes training. Patterns use `*` for one path segment.
 */
export const KEY_RULES: readonly {
  pattern: string;
  kind: 'honoured' | 'checked' | 'no-effect';
  note: string;
}[] = [
  { pattern: 'data_local', kind: 'honoured', note: 'MDS root; splits are <data_local>/<split>' },
  { pattern: 'data_remote', kind: 'honoured', note: 'must be empty: files are read from data_local' },
  { pattern: 'max_seq_len', kind: 'honoured', note: 'packing length and per-sample truncation' },
  {
    pattern: 'tokenizer_name',
    kind: 'honoured',
    note: 'tokenizer ([MASK] id, files copied into checkpoints) when the model folder has none',
  },
  { pattern: 'mlm_probability', kind: 'honoured', note: 'training masking rate (packer rules)' },
  { pattern: 'count_padding_tokens', kind: 'honoured', note: 'false only: token counts exclude padding' },
  { pattern: 'run_name', kind: 'honoured', note: 'names the save folder' },
  {
    pattern: 'model.name',
    kind: 'no-effect',
    note: 'flex_bert: the model class comes from the checkpoint config',
  },
  { pattern: 'model.pretrained_model_name', kind: 'no-effect', note: 'legacy FlexBERT field' },
  { pattern: 'model.tokenizer_name', kind: 'no-effect', note: 'same as tokenizer_name' },
  { pattern: 'model.disable_train_metrics', kind: 'no-effect', note: 'train metrics are not computed' },
  { pattern: 'model.model_config.vocab_size', kind: 'checked', note: 'must equal the checkpoint vocab_size' },
  { pattern: 'model.model_config.num_hidden_layers', kind: 'checked', note: 'must equal the checkpoint' },
  { pattern: 'model.model_config.hidden_size', kind: 'checked', note: 'must equal the checkpoint' },
  { pattern: 'model.model_config.intermediate_size', kind: 'checked', note: 'must equal the checkpoint' },
  { pattern: 'model.model_config.num_attention_heads', kind: 'checked', note: 'must equal the checkpoint' },
  { pattern: 'model.model_config.sliding_window', kind: 'checked', note: 'checkpoint local_attention' },
  {
    pattern: 'model.model_config.global_attn_every_n_layers',
    kind: 'checked',
    note: 'must equal the checkpoint',
  },
  { pattern: 'model.model_config.rotary_emb_base', kind: 'checked', note: 'checkpoint global_rope_theta' },
  {
    pattern: 'model.model_config.local_attn_rotary_emb_base',
    kind: 'checked',
    note: 'checkpoint local_rope_theta',
  },
  {
    pattern: 'model.model_config.*',
    kind: 'no-effect',
    note: 'FlexBERT implementation switch; the checkpoint config defines the model (dropout included)',
  },
  { pattern: 'model.model_config.*.*', kind: 'no-effect', note: 'FlexBERT implementation switch' },
  { pattern: '*_loader.name', kind: 'honoured', note: 'text only' },
  { pattern: '*_loader.dataset.local', kind: 'honoured', note: 'MDS root' },
  { pattern: '*_loader.dataset.remote', kind: 'honoured', note: 'must be empty' },
  { pattern: '*_loader.dataset.split', kind: 'honoured', note: 'sub-folder of local' },
  { pattern: '*_loader.dataset.tokenizer_name', kind: 'no-effect', note: 'data is already tokenized' },
  { pattern: '*_loader.dataset.max_seq_len', kind: 'honoured', note: 'truncation / packing length' },
  { pattern: '*_loader.dataset.shuffle', kind: 'honoured', note: 'shuffles sample order each epoch' },
  { pattern: '*_loader.dataset.shuffle_seed', kind: 'honoured', note: 'sample-order seed' },
  { pattern: '*_loader.dataset.mlm_probability', kind: 'honoured', note: 'masking rate' },
  { pattern: '*_loader.dataset.streaming', kind: 'no-effect', note: 'shards are read locally either way' },
  { pattern: '*_loader.drop_last', kind: 'honoured', note: 'drops the last partial batch' },
  { pattern: '*_loader.num_workers', kind: 'no-effect', note: 'one process here' },
  {
    pattern: '*_loader.sequence_packing',
    kind: 'honoured',
    note: 'train: GreedyBestFit packing; eval: must be false',
  },
  {
    pattern: 'scheduler.*',
    kind: 'honoured',
    note: 'constant_with_warmup, warmup_stable_decay, one_minus_sqrt',
  },
  { pattern: 'optimizer.name', kind: 'honoured', note: 'decoupled_stableadamw only' },
  { pattern: 'optimizer.lr', kind: 'honoured', note: 'peak LR' },
  { pattern: 'optimizer.betas', kind: 'honoured', note: '' },
  { pattern: 'optimizer.eps', kind: 'honoured', note: '' },
  { pattern: 'optimizer.weight_decay', kind: 'honoured', note: 'decoupled, scaled by lr/max_lr' },
  { pattern: 'optimizer.filter_bias_norm_wd', kind: 'honoured', note: 'no decay on biases and 1-D tensors' },
  { pattern: 'optimizer.log_grad_norm', kind: 'no-effect', note: 'the gradient norm is always logged' },
  { pattern: 'max_duration', kind: 'honoured', note: 'tok or ba' },
  { pattern: 'eval_interval', kind: 'honoured', note: 'ba or tok' },
  { pattern: 'global_train_batch_size', kind: 'honoured', note: 'sequences per optimizer step' },
  { pattern: 'global_eval_batch_size', kind: 'no-effect', note: 'eval batches only change speed' },
  {
    pattern: 'device_train_microbatch_size',
    kind: 'honoured',
    note: 'gradient accumulation (loss summed over the batch tokens)',
  },
  { pattern: 'device_eval_batch_size', kind: 'no-effect', note: 'memory only' },
  { pattern: 'device_eval_microbatch_size', kind: 'no-effect', note: 'memory only' },
  { pattern: 'seed', kind: 'honoured', note: 'masking RNG and model init' },
  {
    pattern: 'precision',
    kind: 'no-effect',
    note: 'bcmb trains in fp32 (amp_bf16 is not emulated: numbers differ slightly)',
  },
  { pattern: 'progress_bar', kind: 'no-effect', note: 'bcmb shows a bar on a TTY' },
  { pattern: 'log_to_console', kind: 'no-effect', note: 'always logs' },
  { pattern: 'console_log_interval', kind: 'honoured', note: 'log line every N batches' },
  { pattern: 'callbacks.*', kind: 'no-effect', note: 'speed/LR/grad-norm are logged anyway' },
  { pattern: 'callbacks.*.*', kind: 'no-effect', note: '' },
  { pattern: 'save_interval', kind: 'honoured', note: 'checkpoint every N ba/tok' },
  { pattern: 'save_num_checkpoints_to_keep', kind: 'honoured', note: '-1 keeps all' },
  { pattern: 'save_folder', kind: 'honoured', note: '{run_name} is replaced' },
  {
    pattern: 'load_path',
    kind: 'honoured',
    note: 'Hugging Face folder or hub id to start from (Composer .pt files are refused)',
  },
  { pattern: 'autoresume', kind: 'honoured', note: 'true = --resume' },
  { pattern: 'reset_time', kind: 'honoured', note: 'true only: time starts at zero from load_path' },
  { pattern: 'restart_override', kind: 'no-effect', note: 'optimizer state never comes from load_path' },
];

function ruleFor(path: string): (typeof KEY_RULES)[number] | undefined {
  const parts = path.split('.');
  return KEY_RULES.find((rule) => {
    const pattern = rule.pattern.split('.');
    if (pattern.length !== parts.length) return false;
    return pattern.every((p, i) => {
      const part = parts[i] as string;
      if (p === '*') return true;
      if (p.startsWith('*')) return part.endsWith(p.slice(1));
      return p === part;
    });
  });
}

/** Model-config keys in the YAML and the checkpoint config.json field each must equal. */
export const CHECKED_ARCHITECTURE_KEYS: Record<string, string> = {
  vocab_size: 'vocab_size',
  num_hidden_layers: 'num_hidden_layers',
  hidden_size: 'hidden_size',
  intermediate_size: 'intermediate_size',
  num_attention_heads: 'num_attention_heads',
  sliding_window: 'local_attention',
  global_attn_every_n_layers: 'global_attn_every_n_layers',
  rotary_emb_base: 'global_rope_theta',
  local_attn_rotary_emb_base: 'local_rope_theta',
};

export interface PretrainConfig {
  /** The resolved tree (after overrides and interpolation). */
  tree: ConfigTree;
  runName: string;
  trainDir: string;
  evalDir: string | null;
  maxSeqLen: number;
  evalMaxSeqLen: number;
  mlmProbability: number;
  evalMlmProbability: number;
  shuffle: boolean;
  shuffleSeed: number;
  dropLast: boolean;
  scheduler: Record<string, unknown>;
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  filterBiasNormWd: boolean;
  maxDuration: Time;
  evalInterval: Time | null;
  globalTrainBatchSize: number;
  microBatchSize: number;
  seed: number;
  saveInterval: Time | null;
  saveFolder: string;
  keepCheckpoints: number;
  loadPath: string | null;
  tokenizerName: string | null;
  consoleLogInterval: Time | null;
  autoresume: boolean;
  /** Architecture values the checkpoint must have (`config.json` field → value). */
  architecture: Record<string, number>;
  /** Keys read but without effect here, with the reason (printed at start). */
  noEffect: string[];
}

export interface LoadConfigOptions {
  /** `--set a.b=c` overrides, applied before interpolation (OmegaConf merge). */
  overrides?: readonly string[];
  file?: string;
}

export async function loadPretrainConfig(
  path: string,
  options: LoadConfigOptions = {},
): Promise<PretrainConfig> {
  return pretrainConfigFrom(await readOmegaConfYaml(path), { ...options, file: path });
}

/** Validates a research YAML tree and maps it to the settings the run loop uses. */
export function pretrainConfigFrom(raw: ConfigTree, options: LoadConfigOptions = {}): PretrainConfig {
  const file = options.file;
  const tree = resolveInterpolations(applyOverrides(raw, options.overrides ?? []));
  const leaves = configLeaves(tree);
  const noEffect: string[] = [];
  for (const path of leaves.keys()) {
    const rule = ruleFor(path);
    if (rule === undefined) {
      throw new PretrainConfigError(
        'unknown key; bcmb cannot tell whether it changes training, so it refuses it',
        {
          keyPath: path,
          file,
          hint: `Remove it or ask for support; honoured keys: ${KEY_RULES.filter((r) => r.kind === 'honoured')
            .map((r) => r.pattern)
            .join(', ')}`,
        },
      );
    }
    if (rule.kind === 'no-effect') noEffect.push(`${path} (${rule.note})`);
  }
  const get = (path: string): ConfigValue | undefined => leaves.get(path);
  const fail = (path: string, what: string, hint?: string) =>
    new PretrainConfigError(what, { keyPath: path, file, hint });
  const num = (path: string, fallback?: number, integer = false): number => {
    const value = get(path) ?? fallback;
    if (typeof value !== 'number' || (integer && !Number.isInteger(value))) {
      throw fail(path, `expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const bool = (path: string, fallback: boolean): boolean => {
    const value = get(path) ?? fallback;
    if (typeof value !== 'boolean') throw fail(path, `expected true or false, got ${JSON.stringify(value)}`);
    return value;
  };
  const str = (path: string, fallback: string | null): string | null => {
    const value = get(path) ?? fallback;
    if (value !== null && typeof value !== 'string')
      throw fail(path, `expected a string, got ${JSON.stringify(value)}`);
    return value;
  };
  const time = (path: string, units: readonly string[]): Time | null => {
    const value = get(path);
    if (value === undefined || value === null) return null;
    const t = parseTime(value, path);
    if (!units.includes(t.unit))
      throw fail(path, `unit ${t.unit} is not supported here`, `Use ${units.join(' or ')}`);
    return t;
  };

  for (const loader of ['train_loader', 'eval_loader']) {
    const name = get(`${loader}.name`);
    if (name !== undefined && name !== 'text')
      throw fail(`${loader}.name`, `only the text loader exists, got ${JSON.stringify(name)}`);
    for (const remote of [`${loader}.dataset.remote`, 'data_remote']) {
      const value = get(remote);
      if (value !== undefined && value !== null && value !== '') {
        throw fail(
          remote,
          'remote object stores are not supported',
          'Copy the MDS folders locally and set data_local',
        );
      }
    }
  }
  if (bool('count_padding_tokens', false)) throw fail('count_padding_tokens', 'only false is supported');
  if (get('reset_time') === false)
    throw fail('reset_time', 'only true is supported: time always starts at zero from load_path');
  if (get('eval_loader.sequence_packing') === true) {
    throw fail(
      'eval_loader.sequence_packing',
      'evaluation without packing only (the research configs use false)',
    );
  }
  if (get('train_loader.sequence_packing') === false) {
    throw fail(
      'train_loader.sequence_packing',
      'bcmb trains with sequence packing only (the research configs use true)',
    );
  }
  const optimizerName = get('optimizer.name') ?? 'decoupled_stableadamw';
  if (optimizerName !== 'decoupled_stableadamw') {
    throw fail(
      'optimizer.name',
      `only decoupled_stableadamw is implemented, got ${JSON.stringify(optimizerName)}`,
    );
  }
  const betas = get('optimizer.betas') ?? [0.9, 0.98];
  if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((b) => typeof b === 'number')) {
    throw fail('optimizer.betas', `expected two numbers, got ${JSON.stringify(betas)}`);
  }

  const local = str('train_loader.dataset.local', str('data_local', null));
  if (local === null)
    throw fail(
      'data_local',
      'no training data folder',
      'Set data_local (the folder that holds train/ and eval/ MDS splits)',
    );
  const evalLocal = str('eval_loader.dataset.local', local);
  const evalSplit = str('eval_loader.dataset.split', null);
  const maxDuration = time('max_duration', ['tok', 'ba']);
  if (maxDuration === null) throw fail('max_duration', 'missing', 'Set e.g. max_duration: 1_000_000tok');
  const globalTrainBatchSize = num('global_train_batch_size', undefined, true);
  const microBatchSize = num('device_train_microbatch_size', globalTrainBatchSize, true);
  if (globalTrainBatchSize % microBatchSize !== 0) {
    throw fail(
      'device_train_microbatch_size',
      `${microBatchSize} does not divide global_train_batch_size ${globalTrainBatchSize}`,
    );
  }
  const runName = str('run_name', 'bcmb-pretrain') as string;
  const scheduler = (tree.scheduler ?? { name: 'constant_with_warmup', t_warmup: '0ba' }) as Record<
    string,
    unknown
  >;
  const config: PretrainConfig = {
    tree,
    runName,
    trainDir: joinSplit(local, str('train_loader.dataset.split', 'train')),
    evalDir: evalSplit === null || evalLocal === null ? null : joinSplit(evalLocal, evalSplit),
    maxSeqLen: num('train_loader.dataset.max_seq_len', num('max_seq_len', 1024, true), true),
    evalMaxSeqLen: num('eval_loader.dataset.max_seq_len', num('max_seq_len', 1024, true), true),
    mlmProbability: num('train_loader.dataset.mlm_probability', num('mlm_probability', 0.15)),
    evalMlmProbability: num('eval_loader.dataset.mlm_probability', 0.15),
    shuffle: bool('train_loader.dataset.shuffle', true),
    shuffleSeed: num('train_loader.dataset.shuffle_seed', 9176, true),
    dropLast: bool('train_loader.drop_last', true),
    scheduler,
    lr: num('optimizer.lr'),
    betas: betas as [number, number],
    eps: num('optimizer.eps', 1e-6),
    weightDecay: num('optimizer.weight_decay', 0),
    filterBiasNormWd: bool('optimizer.filter_bias_norm_wd', true),
    maxDuration,
    evalInterval: time('eval_interval', ['ba', 'tok']),
    globalTrainBatchSize,
    microBatchSize,
    seed: num('seed', 17, true),
    saveInterval: time('save_interval', ['ba', 'tok']),
    saveFolder: (str('save_folder', 'checkpoints/{run_name}') as string).replaceAll('{run_name}', runName),
    keepCheckpoints: num('save_num_checkpoints_to_keep', -1, true),
    loadPath: str('load_path', null),
    tokenizerName: str('tokenizer_name', null),
    consoleLogInterval: time('console_log_interval', ['ba', 'tok']),
    autoresume: bool('autoresume', false),
    architecture: {},
    noEffect,
  };
  for (const [yamlKey, hfKey] of Object.entries(CHECKED_ARCHITECTURE_KEYS)) {
    const value = get(`model.model_config.${yamlKey}`);
    if (typeof value === 'number') config.architecture[hfKey] = value;
  }
  // Build the schedule once so that its keys are validated with the config.
  createLrSchedule(scheduler, maxDuration);
  return config;
}

function joinSplit(local: string, split: string | null): string {
  return split === null || split === '' ? local : `${local.replace(/\/+$/, '')}/${split}`;
}

export function lrScheduleOf(config: PretrainConfig): LrSchedule {
  return createLrSchedule(config.scheduler, config.maxDuration);
}

/** Honoured keys, one per line with what they do (for `bcmb pretrain --help-keys`). */
export function describeHonouredKeys(): string {
  return KEY_RULES.map(
    (rule) => `${rule.kind.padEnd(9)} ${rule.pattern}${rule.note === '' ? '' : `  ${rule.note}`}`,
  ).join('\n');
}
