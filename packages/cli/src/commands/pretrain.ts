import { stat } from 'node:fs/promises';
import { BACKEND_PREFERENCE, type BackendName, initBackend } from '@bcmb/modeling';
import { OnnxRuntimeMissingError, onnxRuntimeAvailable } from '@bcmb/onnx';
import {
  CLINICALBERT_DATA_DEFAULTS,
  createOnnxEngine,
  createTfjsEngine,
  DEFAULT_CONCAT_TOKENS,
  describeHonouredKeys,
  loadPretrainConfig,
  PretrainConfigError,
  prepareClinicalBert,
  prepareMds,
  prepareTokenizerFrom,
  runPretraining,
} from '@bcmb/pretraining';
import { loadTokenizer } from '@bcmb/tokenizer';
import { Command, Option } from 'commander';
import { addHubOptions, type HubFlags, resolveModelFlag } from '../model-source.js';
import { positiveInteger } from '../options.js';

interface PrepareFlags extends HubFlags {
  dataset: string;
  outDir: string;
  outTokenCounts?: string;
  concatTokens: number;
  tokenizer: string;
  bosText: string;
  eosText: string;
  compression?: string;
  progress: boolean;
}

async function runPrepare(flags: PrepareFlags): Promise<void> {
  const { dir } = await resolveModelFlag(flags.tokenizer, flags);
  // convert_dataset_to_mds.py: AutoTokenizer.from_pretrained(args.tokenizer, add_prefix_space=True).
  const tokenizer = await loadTokenizer(dir, { addPrefixSpace: true });
  await prepareMds({
    csv: flags.dataset,
    outDir: flags.outDir,
    tokenizer: prepareTokenizerFrom(tokenizer, flags.bosText, flags.eosText),
    concatTokens: flags.concatTokens,
    compression: flags.compression ?? null,
    ...(flags.outTokenCounts ? { tokenCounts: flags.outTokenCounts } : {}),
    ...(flags.progress ? {} : { progress: false }),
  });
}

interface ClinicalBertFlags extends HubFlags {
  dataset: string;
  outDir: string;
  tokenizer: string;
  lowercase: boolean;
  maxSeqLength: number;
  dupeFactor: number;
  maxPredictionsPerSeq: number;
  maskedLmProb: number;
  randomSeed: number;
  progress: boolean;
}

async function runPrepareClinicalBert(flags: ClinicalBertFlags): Promise<void> {
  const { dir } = await resolveModelFlag(flags.tokenizer, flags);
  await prepareClinicalBert({
    csv: flags.dataset,
    out: flags.outDir,
    tokenizer: await loadTokenizer(dir, { lowercase: flags.lowercase, warn: () => {} }),
    maxSeqLength: flags.maxSeqLength,
    dupeFactor: flags.dupeFactor,
    maxPredictionsPerSeq: flags.maxPredictionsPerSeq,
    maskedLmProb: flags.maskedLmProb,
    randomSeed: flags.randomSeed,
    ...(flags.progress ? {} : { progress: false }),
  });
}

interface PretrainFlags extends HubFlags {
  config?: string;
  set: string[];
  model?: string;
  resume?: boolean;
  maskTokenId?: number;
  backend?: BackendName;
  engine?: 'onnx' | 'tfjs';
  progress: boolean;
  maxBatches?: number;
  listKeys?: boolean;
}

async function runPretrain(flags: PretrainFlags): Promise<void> {
  if (flags.listKeys) {
    process.stdout.write(`${describeHonouredKeys()}\n`);
    return;
  }
  if (flags.config === undefined) {
    throw new PretrainConfigError('No --config given', {
      hint: 'Pass a research YAML, e.g. bcmb pretrain --config pretraining_configs/phase2/phase2_base.yaml',
    });
  }
  const config = await loadPretrainConfig(flags.config, { overrides: flags.set });
  const source = flags.model ?? config.loadPath;
  if (source === null) {
    throw new PretrainConfigError('no model to start from', {
      keyPath: 'load_path',
      hint: 'Set load_path to a Hugging Face folder or hub id, or pass --model answerdotai/ModernBERT-base',
    });
  }
  if (/\.(pt|pth)$/.test(source)) {
    throw new PretrainConfigError(`${source} is a Composer checkpoint, which bcmb does not read`, {
      keyPath: 'load_path',
      hint: 'Start from a Hugging Face model instead: --model answerdotai/ModernBERT-base (or a local HF folder)',
    });
  }
  const { dir } = await resolveModelFlag(source, flags);
  const tokenizerDir = await tokenizerFolder(dir, config.tokenizerName, flags);
  const maskTokenId = flags.maskTokenId ?? (await maskIdOf(tokenizerDir));
  const engine = await chooseEngine(flags.engine);
  process.stderr.write(`${engine.note}\n`);
  if (engine.name === 'tfjs')
    await initBackend({
      ...(flags.backend ? { backend: flags.backend } : {}),
      onReport: (line) => process.stderr.write(`${line}\n`),
    });
  const optimizer = {
    maxLr: config.lr,
    betas: config.betas,
    eps: config.eps,
    weightDecay: config.weightDecay,
    filterBiasNormWd: config.filterBiasNormWd,
    maskTokenId,
  };
  const result = await runPretraining({
    config,
    modelDir: dir,
    tokenizerDir,
    ...(flags.resume ? { resume: true } : {}),
    ...(flags.progress ? {} : { progress: false }),
    ...(flags.maxBatches === undefined ? {} : { stopAfterBatches: flags.maxBatches }),
    createEngine: (modelDir) =>
      engine.name === 'onnx'
        ? createOnnxEngine({
            modelDir,
            ...optimizer,
            rowsPerStep: config.globalTrainBatchSize / config.microBatchSize,
          })
        : createTfjsEngine({
            modelDir,
            ...optimizer,
            onWarning: (line) => process.stderr.write(`${line}\n`),
          }),
  });
  if (!result.completed)
    process.stdout.write(
      `stopped after ${result.timestamp.batch} batches (--max-batches); resume with --resume\n`,
    );
}

/**
 * ONNX Runtime (several times faster on CPU) when onnxruntime-node loads, else tfjs; `--engine` forces one
 * (onnx then fails with the loader's error when the runtime is missing).
 */
async function chooseEngine(
  wanted: 'onnx' | 'tfjs' | undefined,
): Promise<{ name: 'onnx' | 'tfjs'; note: string }> {
  if (wanted === 'tfjs') return { name: 'tfjs', note: 'engine: tfjs (--engine tfjs)' };
  const available = await onnxRuntimeAvailable();
  if (wanted === 'onnx') {
    if (available !== true)
      throw new OnnxRuntimeMissingError(`--engine onnx: ${available}`, {
        hint: 'Install it next to bcmb (npm i onnxruntime-node) or pass --engine tfjs',
      });
    return { name: 'onnx', note: 'engine: onnxruntime (--engine onnx)' };
  }
  return available === true
    ? { name: 'onnx', note: 'engine: onnxruntime (onnxruntime-node loads; --engine tfjs to use tfjs)' }
    : { name: 'tfjs', note: `engine: tfjs, because ONNX Runtime is unavailable (${available})` };
}

/** The model folder when it holds a tokenizer, else `tokenizer_name` resolved (copied into every checkpoint). */
async function tokenizerFolder(
  modelDir: string,
  tokenizerName: string | null,
  flags: HubFlags,
): Promise<string | null> {
  const hasTokenizer = async (dir: string) =>
    (await stat(`${dir}/tokenizer.json`).catch(() => undefined)) !== undefined ||
    (await stat(`${dir}/vocab.txt`).catch(() => undefined)) !== undefined;
  if (await hasTokenizer(modelDir)) return modelDir;
  if (tokenizerName === null) return null;
  return (await resolveModelFlag(tokenizerName, flags)).dir;
}

async function maskIdOf(tokenizerDir: string | null): Promise<number> {
  const id =
    tokenizerDir === null
      ? undefined
      : (await loadTokenizer(tokenizerDir, { warn: () => {} })).tokenToId('[MASK]');
  if (id === undefined) {
    throw new PretrainConfigError('cannot find the [MASK] token id', {
      keyPath: 'tokenizer_name',
      hint: 'Put the tokenizer files in the model folder, set tokenizer_name, or pass --mask-token-id',
    });
  }
  return id;
}

/** `bcmb pretrain`: continued MLM pretraining from the research YAMLs; `bcmb pretrain prepare` makes the MDS data. */
export function pretrainCommand(): Command {
  const prepare = addHubOptions(
    new Command('prepare')
      .description(
        'Tokenize the "notes" column of a CSV into MDS shards (research convert_dataset_to_mds.py)',
      )
      .requiredOption('--dataset <csv>', 'CSV with a "notes" column (streamed)')
      .requiredOption('--out-dir <dir>', 'output root; shards go to <out-dir>/<csv name before its last "_">')
      .option('--out-token-counts <file>', 'file the "<csv> <tokens>" line is appended to')
      .option(
        '--concat-tokens <n>',
        'tokens per sample including [CLS]/[SEP]',
        positiveInteger,
        DEFAULT_CONCAT_TOKENS,
      )
      .option(
        '--tokenizer <id or dir>',
        'tokenizer (loaded with add_prefix_space)',
        'answerdotai/ModernBERT-base',
      )
      .option('--bos-text <text>', 'text of the token put before each chunk', '[CLS]')
      .option('--eos-text <text>', 'text of the token put after each chunk', '[SEP]')
      .option('--compression <codec>', 'shard compression: zstd[:level], gz or br (default none)')
      .option('--no-progress', 'no progress bar'),
  ).action(runPrepare);
  const d = CLINICALBERT_DATA_DEFAULTS;
  const prepareClinical = addHubOptions(
    new Command('prepare-clinicalbert')
      .description(
        'Bio_ClinicalBERT recipe data: notes → sections → sentences → BERT MLM+NSP instances (create_pretraining_data) → MDS',
      )
      .requiredOption('--dataset <csv>', 'CSV with a "notes" column')
      .requiredOption('--out-dir <dir>', 'MDS output folder')
      .option('--tokenizer <id or dir>', 'BERT WordPiece vocabulary', 'emilyalsentzer/Bio_ClinicalBERT')
      .option('--lowercase', 'lower-case (Bio_ClinicalBERT was pretrained cased: do_lower_case=False)', false)
      .option('--max-seq-length <n>', 'max_seq_length', positiveInteger, d.maxSeqLength)
      .option('--dupe-factor <n>', 'dupe_factor', positiveInteger, d.dupeFactor)
      .option(
        '--max-predictions-per-seq <n>',
        'max_predictions_per_seq',
        positiveInteger,
        d.maxPredictionsPerSeq,
      )
      .option('--masked-lm-prob <p>', 'masked_lm_prob', Number, d.maskedLmProb)
      .option('--random-seed <n>', 'random_seed', Number, d.randomSeed)
      .option('--no-progress', 'no progress bar'),
  ).action(runPrepareClinicalBert);
  return addHubOptions(
    new Command('pretrain')
      .description('Continued MLM pretraining from a BioClinical ModernBERT research YAML')
      .option('--config <yaml>', 'research YAML (OmegaConf semantics)')
      .option(
        '--set <key=value>',
        'override a config key (repeatable), e.g. --set optimizer.lr=1e-4',
        collect,
        [],
      )
      .option('--model <id or dir>', 'Hugging Face model to start from (wins over load_path)')
      .option('--resume', 'continue from the newest checkpoint in save_folder')
      .option('--mask-token-id <id>', '[MASK] id when the model folder has no tokenizer', Number)
      .option('--max-batches <n>', 'stop after n batches in this process (resume later)', positiveInteger)
      .option('--list-keys', 'print the config keys bcmb honours, checks or ignores, and exit')
      .addOption(
        new Option(
          '--engine <name>',
          'training engine (default: onnx when onnxruntime-node loads, else tfjs)',
        ).choices(['onnx', 'tfjs']),
      )
      .addOption(
        new Option('--backend <name>', 'tfjs backend (with --engine tfjs)').choices([...BACKEND_PREFERENCE]),
      )
      .option('--no-progress', 'no progress bar'),
  )
    .addCommand(prepare)
    .addCommand(prepareClinical)
    .action(runPretrain);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
