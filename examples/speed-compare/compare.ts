/**
 * Benchmarks the model folders given on the command line (a folder with only config.json runs random weights: speed
 * does not depend on weight values) on the fastest installed tfjs backend over the short research sets, with sizes
 * small enough for a laptop CPU, and writes the report to results/.
 *
 *   tsx compare.ts path/to/bert-base path/to/modernbert-base
 */
import {
  benchmarkModel,
  describeHost,
  type ModelEngineResult,
  markdownReport,
  readModelInfo,
  selectEngines,
  writeSpeedReport,
} from '@bcmb/speedbench';

const settings = { samples: 4, iters: 2, batchSize: 2, seed: 42 };

async function main(): Promise<void> {
  const models = process.argv.slice(2);
  if (models.length === 0) {
    console.error('usage: tsx compare.ts <model folder> [<model folder> ...]');
    process.exitCode = 1;
    return;
  }
  const engines = await selectEngines(['tfjs']);
  const results: ModelEngineResult[] = [];
  for (const dir of models) {
    const target = {
      label: dir
        .replace(/[\\/]+$/, '')
        .split(/[\\/]/)
        .at(-1)!,
      info: await readModelInfo(dir),
    };
    for (const engine of engines) {
      results.push(
        await benchmarkModel(target, engine, {
          ...settings,
          datasets: ['fixed_short', 'variable_short'],
          log: (line) => console.error(line),
        }),
      );
    }
  }
  const meta = {
    command: 'examples/speed-compare/compare.ts',
    createdAt: new Date().toISOString(),
    host: describeHost(),
    ...settings,
  };
  await writeSpeedReport('results', results, meta);
  console.log(markdownReport(results, meta));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
