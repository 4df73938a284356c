/**
 * Benchmarks BERT-base and ModernBERT-base shapes (random weights) on the fastest installed tfjs backend over
 * the short research sets, with sizes small enough for a laptop CPU, and writes the report to results/.
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

const MODELS = ['packages/modeling/configs/bert-base', 'packages/modeling/configs/modernbert-base'];
const settings = { samples: 4, iters: 2, batchSize: 2, seed: 42 };

async function main(): Promise<void> {
  const engines = await selectEngines(['tfjs']);
  const results: ModelEngineResult[] = [];
  for (const dir of MODELS) {
    const target = { label: dir.split('/').at(-1)!, info: await readModelInfo(dir) };
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
