import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pipeline } from '../pipeline.js';
import { modelFilesFromBlobs } from './model-files.js';
import { webPipeline } from './web-pipeline.js';

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

describe('webPipeline (onnxruntime-web, run here on its Node build)', () => {
  it('gives the entity groups pipeline() gives on onnxruntime-node for the same folder', async () => {
    const options = { threads: 1, aggregationStrategy: 'first' as const };
    const web = await webPipeline('token-classification', modelFilesFromBlobs(pickedFiles()), options);
    const node = await pipeline('token-classification', MODEL, options);
    const fromWeb = await web(NOTES);
    const fromNode = await node(NOTES);
    await Promise.all([web.dispose(), node.dispose()]);
    const spans = (groups: typeof fromWeb) =>
      groups.map((entities) =>
        entities.map((e) => ['entity_group' in e ? e.entity_group : e.entity, e.start, e.end]),
      );
    expect(spans(fromWeb)).toEqual(spans(fromNode));
    expect(spans(fromWeb).flat().length).toBeGreaterThan(0);
    fromWeb.flat().forEach((e, i) => {
      expect(e.score).toBeCloseTo(fromNode.flat()[i]!.score, 4);
    });
  });

  it('refuses two picked files of one name, and a folder without config.json', async () => {
    const file = new File(['{}'], 'config.json');
    expect(() => modelFilesFromBlobs([file, file])).toThrow(/two picked files are named config.json/);
    await expect(webPipeline('token-classification', modelFilesFromBlobs([]))).rejects.toThrow(
      /no config.json/,
    );
  });
});
