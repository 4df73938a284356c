// Fine-tune with the Trainer API instead of `bcmb finetune`: pick the splits, the hyper-parameters and the output
// folder yourself. Runs on the bundled demo (tiny random-init BERT, synthetic ChemProt sample) in about a minute:
//   npx tsx finetune-api.ts [epochs]
import { loadTask } from '@bcmb/datasets';
import { initBackend, randomModel } from '@bcmb/modeling';
import { loadTokenizer, researchMaxLength } from '@bcmb/tokenizer';
import {
  bestMetricFor,
  demoAssets,
  encodeExamples,
  type RawExample,
  Trainer,
  taskMetrics,
} from '@bcmb/trainer';

export interface RecipeOptions {
  epochs: number;
  /** Use only the first N training examples (quick runs). */
  trainLimit?: number;
  outputDir?: string;
}

/** Trains the demo model on the demo sample and returns the test metrics and the log history. */
export async function fineTuneDemo(options: RecipeOptions) {
  const demo = demoAssets();
  const task = await loadTask('ChemProt', { rawDir: demo.dataDir, cache: false });
  const kind = task.problemType;
  const tokenizer = await loadTokenizer(demo.modelDir, { addPrefixSpace: true });
  const encode = (examples: RawExample[]) =>
    encodeExamples(tokenizer, examples, {
      maxLength: researchMaxLength(tokenizer.modelMaxLength),
      withTokenTypes: true,
    });
  const model = await randomModel(demo.modelDir, {
    task: 'sequence-classification',
    numLabels: task.labelNames.length,
    problemType: 'single_label_classification',
  });
  const trainer = new Trainer({
    model,
    kind,
    padTokenId: tokenizer.specialTokens.pad!.id,
    train: encode(task.train.slice(0, options.trainLimit) as RawExample[]),
    validation: encode(task.validation as RawExample[]),
    computeMetrics: taskMetrics(kind, task.labelNames),
    ...(options.outputDir ? { outputDir: options.outputDir } : {}),
    args: {
      learningRate: 3e-3,
      epochs: options.epochs,
      batchSize: 16,
      metricForBestModel: bestMetricFor(kind),
    },
  });
  try {
    const { logHistory } = await trainer.train();
    const test = await trainer.evaluate(encode(task.test as RawExample[]));
    return { test, logHistory };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await initBackend();
  const { test } = await fineTuneDemo({ epochs: Number(process.argv[2] ?? 10) });
  console.log(test);
}
