import { fileURLToPath, pathToFileURL } from 'node:url';

/** The bundled demo: a tiny BERT config + vocabulary (no weights: seeded random init) and a synthetic ChemProt sample. */
export interface DemoAssets {
  modelDir: string;
  /** ChemProt-format raw files (train.tsv, dev.tsv, test.tsv). */
  dataDir: string;
  dataset: 'ChemProt';
}

/** Settings under which the demo model learns the sample in a couple of minutes on a 2-core CPU. */
export const DEMO_HYPERPARAMETERS = { lr: 3e-3, wd: 0.01, epochs: 10, batchSize: 16, seed: 42 } as const;

/** Paths of the demo files shipped in this package (`demo/`, written by scripts/make-demo.ts). */
export function demoAssets(): DemoAssets {
  // src/demo.ts and dist/index.{js,cjs} all sit one level below the package root; the CJS build has no import.meta.
  const here = typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;
  const root = new URL('../demo/', here);
  return {
    modelDir: fileURLToPath(new URL('model', root)),
    dataDir: fileURLToPath(new URL('data/ChemProt', root)),
    dataset: 'ChemProt',
  };
}
