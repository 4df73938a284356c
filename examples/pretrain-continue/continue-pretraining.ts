// Continued MLM pretraining on your own notes, the BioClinical ModernBERT way, at toy scale:
//   1. a notes CSV (here: synthetic, built from the demo ChemProt sentences) → MDS shards (`bcmb pretrain prepare`),
//   2. a research-style YAML (the keys of pretraining_configs/phase1_base.yaml, tiny sizes) → `bcmb pretrain`,
//   3. the final checkpoint (Hugging Face layout) fine-tuned on the demo ChemProt sample.
// Runs on the bundled demo model (tiny BERT, random init) in a few minutes on a 2-core CPU:
//   npx tsx continue-pretraining.ts [batches]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTask } from '@bcmb/datasets';
import { fromPretrained, initBackend } from '@bcmb/modeling';
import {
  createTfjsEngine,
  loadPretrainConfig,
  prepareMds,
  prepareTokenizerFrom,
  runPretraining,
} from '@bcmb/pretraining';
import { loadTokenizer } from '@bcmb/tokenizer';
import {
  bestMetricFor,
  demoAssets,
  encodeExamples,
  type RawExample,
  Trainer,
  taskMetrics,
} from '@bcmb/trainer';

export interface ContinueOptions {
  workDir: string;
  /** Optimizer steps of continued pretraining. */
  batches: number;
  finetuneEpochs: number;
  log?: (line: string) => void;
}

/** A synthetic notes CSV: each note strings together a few demo sentences (so every word is in the demo vocabulary). */
async function writeNotesCsv(path: string, sentences: string[], notes: number, seed: number): Promise<void> {
  let state = seed;
  const pick = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return sentences[state % sentences.length] as string;
  };
  const rows = Array.from({ length: notes }, (_, i) => {
    const text = Array.from({ length: 2 + (i % 4) }, pick).join(' ');
    return `${i},"${text.replaceAll('"', '""')}"`;
  });
  await writeFile(path, `note_id,notes\n${rows.join('\n')}\n`);
}

export async function continuePretraining(options: ContinueOptions) {
  const log = options.log ?? console.log;
  const demo = demoAssets();
  const tsv = await readFile(join(demo.dataDir, 'train.tsv'), 'utf8');
  const sentences = tsv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t')[1] as string);

  // 1. CSV → MDS, as convert_dataset_to_mds.py: train_notes.csv → <mds>/train, eval_notes.csv → <mds>/eval.
  const mds = join(options.workDir, 'mds');
  await mkdir(options.workDir, { recursive: true });
  const tokenizer = prepareTokenizerFrom(await loadTokenizer(demo.modelDir));
  for (const [split, notes, seed] of [
    ['train', 400, 1],
    ['eval', 40, 2],
  ] as const) {
    const csv = join(options.workDir, `${split}_notes.csv`);
    await writeNotesCsv(csv, sentences, notes, seed);
    await prepareMds({ csv, outDir: mds, tokenizer, concatTokens: 32, progress: false, log });
  }

  // 2. A research-style YAML; every key is one of the research configs' keys.
  const yaml = join(options.workDir, 'tiny_phase1.yaml');
  await writeFile(
    yaml,
    `data_local: ${mds}
data_remote:
max_seq_len: 32
mlm_probability: 0.3
run_name: tiny_phase1
train_loader:
  name: text
  dataset:
    local: \${data_local}
    split: train
    max_seq_len: \${max_seq_len}
    shuffle: true
    mlm_probability: \${mlm_probability}
    streaming: false
    shuffle_seed: 2998
  drop_last: true
  sequence_packing: true
eval_loader:
  name: text
  dataset:
    local: \${data_local}
    split: eval
    max_seq_len: \${max_seq_len}
    shuffle: false
    mlm_probability: 0.15
    streaming: false
  sequence_packing: false
scheduler: {name: warmup_stable_decay, t_warmup: 0.05dur, t_decay: 0.2dur, alpha_f: 0.1}
optimizer: {name: decoupled_stableadamw, lr: 3e-3, betas: [0.9, 0.98], eps: 1.0e-06, weight_decay: 1.0e-5, filter_bias_norm_wd: true}
max_duration: ${options.batches}ba
eval_interval: ${Math.max(1, Math.floor(options.batches / 4))}ba
global_train_batch_size: 16
device_train_microbatch_size: 4
seed: 17
console_log_interval: ${Math.max(1, Math.floor(options.batches / 10))}ba
save_interval: ${options.batches}ba
save_folder: ${join(options.workDir, 'checkpoints')}/{run_name}
`,
  );
  const config = await loadPretrainConfig(yaml);
  const maskTokenId = (await loadTokenizer(demo.modelDir)).tokenToId('[MASK]') as number;
  const run = await runPretraining({
    config,
    modelDir: demo.modelDir,
    progress: false,
    log,
    createEngine: (dir) =>
      createTfjsEngine({
        modelDir: dir,
        maxLr: config.lr,
        betas: config.betas,
        eps: config.eps,
        weightDecay: config.weightDecay,
        filterBiasNormWd: config.filterBiasNormWd,
        maskTokenId,
        onWarning: () => {},
      }),
  });

  // 3. Fine-tune the continued-pretrained checkpoint on the demo ChemProt sample.
  const checkpoint = run.finalCheckpoint as string;
  const task = await loadTask('ChemProt', { rawDir: demo.dataDir, cache: false });
  const kind = task.problemType;
  const bert = await loadTokenizer(checkpoint);
  const encode = (examples: RawExample[]) =>
    encodeExamples(bert, examples, { maxLength: 64, withTokenTypes: true });
  const model = await fromPretrained(checkpoint, {
    task: 'sequence-classification',
    numLabels: task.labelNames.length,
    problemType: 'single_label_classification',
    onWarning: () => {},
  });
  const trainer = new Trainer({
    model,
    kind,
    padTokenId: bert.specialTokens.pad?.id ?? 0,
    train: encode(task.train as RawExample[]),
    validation: encode(task.validation as RawExample[]),
    computeMetrics: taskMetrics(kind, task.labelNames),
    args: {
      learningRate: 3e-3,
      epochs: options.finetuneEpochs,
      batchSize: 16,
      metricForBestModel: bestMetricFor(kind),
    },
  });
  try {
    await trainer.train();
    const test = await trainer.evaluate(encode(task.test as RawExample[]));
    return { pretraining: run, checkpoint, test };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await initBackend();
  const { pretraining, checkpoint, test } = await continuePretraining({
    workDir: 'pretrain-continue-out',
    batches: Number(process.argv[2] ?? 300),
    finetuneEpochs: 5,
  });
  const losses = pretraining.history.map((h) => h.loss);
  console.log(
    `MLM loss: first 10 batches ${mean(losses.slice(0, 10)).toFixed(3)}, last 10 ${mean(losses.slice(-10)).toFixed(3)}`,
  );
  console.log(`continued-pretrained model (Hugging Face layout): ${checkpoint}`);
  console.log(test);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
