import { resolve } from 'node:path';
import { loadTask } from '@bcmb/datasets';
import { BACKEND_PREFERENCE, type BackendName, initBackend } from '@bcmb/modeling';
import { DEMO_HYPERPARAMETERS, demoAssets, finetune, resolveEngine } from '@bcmb/trainer';
import { Command, Option } from 'commander';
import { addEngineOptions, type EngineFlags, engineOptions } from '../options.js';

/** Accuracy of always answering the most frequent label: what "learned nothing" scores. */
function majorityRate(labels: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return Math.max(...counts.values()) / labels.length;
}

async function runDemo(flags: { outputDir: string; backend?: BackendName } & EngineFlags): Promise<void> {
  const engine = await resolveEngine(engineOptions(flags), (line) => process.stderr.write(`${line}\n`));
  await initBackend({
    // The onnx engine uses tfjs only to build the model.
    ...(flags.backend ? { backend: flags.backend } : engine === 'onnx' ? { backend: 'cpu' as const } : {}),
    onReport: (line) => {
      if (engine === 'tfjs') process.stderr.write(`${line}\n`);
    },
  });
  const assets = demoAssets();
  const outputDir = resolve(flags.outputDir);
  process.stdout.write(
    `Fine-tuning a tiny BERT (random init) on ${assets.dataset}-format synthetic relations: ${assets.dataDir}\n`,
  );
  const result = await finetune({
    dataset: assets.dataset,
    model: 'bcmb-demo-bert',
    modelDir: assets.modelDir,
    dataDir: assets.dataDir,
    outputDir,
    randomInit: true,
    ...DEMO_HYPERPARAMETERS,
    ...engineOptions(flags),
    engine,
  });
  const task = await loadTask(assets.dataset, { rawDir: assets.dataDir, cache: false });
  const chance = majorityRate(task.test.map((example) => example.labels));
  const accuracy = result.testResults['eval_accuracy']!;
  const f1 = result.testResults['eval_weighted_f1']!;
  process.stdout.write(
    `\nTest accuracy ${accuracy.toFixed(3)}, weighted F1 ${f1.toFixed(3)} ` +
      `(always predicting the most frequent label: accuracy ${chance.toFixed(3)}).\n` +
      `Results: ${result.outputFile}\n`,
  );
}

/** `bcmb demo`: the bundled model and sample, end to end in a few minutes on a CPU. */
export function demoCommand(): Command {
  const command = new Command('demo')
    .description('Fine-tune a tiny bundled model on a bundled synthetic sample and print its test metrics')
    .option('--output-dir <dir>', 'where outputs/ and checkpoints/ go', 'bcmb-demo')
    .addOption(
      new Option('--backend <name>', 'tfjs backend (default: fastest installed)').choices(BACKEND_PREFERENCE),
    )
    .showHelpAfterError('(run bcmb demo --help for usage)')
    .action(runDemo);
  return addEngineOptions(command);
}
