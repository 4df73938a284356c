import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Predictor } from '../predictor.js';
import { modelFilesFromBlobs } from './model-files.js';
import { WebPredictor } from './web-predictor.js';

const MODEL = fileURLToPath(new URL('../../../../examples/deid-page/model/', import.meta.url));
const NOTES = [
  'Mr. John Smith, 67, was admitted on 2019-03-14 to Boston General Hospital.',
  'Call his daughter at 617-555-0134.',
];

/** The model folder as a browser's picked files: named Blobs. */
function pickedFiles() {
  return readdirSync(MODEL)
    .filter((name) => !name.endsWith('.ts'))
    .map((name) => new File([readFileSync(join(MODEL, name))], name));
}

describe('WebPredictor (onnxruntime-web, run here on its Node build)', () => {
  it('gives the same words and spans as Predictor on onnxruntime-node for the same folder', async () => {
    const web = await WebPredictor.load(modelFilesFromBlobs(pickedFiles()), { threads: 1 });
    const node = await Predictor.load(MODEL, { threads: 1 });
    const fromWeb = await web.predict(NOTES);
    const fromNode = await node.predict(NOTES);
    await Promise.all([web.dispose(), node.dispose()]);
    const spans = (predictions: typeof fromWeb) =>
      predictions.map((p) =>
        'entities' in p ? p.entities.map(({ label, start, end }) => [label, start, end]) : [],
      );
    expect(spans(fromWeb)).toEqual(spans(fromNode));
    expect(spans(fromWeb).flat().length).toBeGreaterThan(0);
  });

  it('refuses two picked files of one name, and a folder without config.json', async () => {
    const file = new File(['{}'], 'config.json');
    expect(() => modelFilesFromBlobs([file, file])).toThrow(/two picked files are named config.json/);
    await expect(WebPredictor.load(modelFilesFromBlobs([]))).rejects.toThrow(/no config.json/);
  });
});
