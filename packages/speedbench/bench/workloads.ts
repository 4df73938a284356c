/**
 * How long drawing the research's synthetic sets takes (torch-exact MT19937 stream in JS), per set at the
 * research's 4096 samples. Run: pnpm --filter @bcmb/speedbench bench
 */
import { DEFAULT_SAMPLES, generateWorkloads, WORKLOAD_NAMES } from '../src/index.js';

for (const name of WORKLOAD_NAMES) {
  const started = performance.now();
  const [workload] = generateWorkloads([name], {
    padTokenId: 50283,
    maxLength: 8192,
    samples: DEFAULT_SAMPLES,
  });
  const ms = performance.now() - started;
  const positions = workload!.inputIds.length;
  console.log(
    `${name.padEnd(16)} ${DEFAULT_SAMPLES} × ${workload!.spec.seqLen}: ${ms.toFixed(0).padStart(5)} ms ` +
      `(${(positions / ms / 1000).toFixed(1)} M positions/s, ${((workload!.realTokens / positions) * 100).toFixed(1)}% real tokens)`,
  );
}
