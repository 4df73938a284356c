import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnxRuntimeAvailable } from '@bcmb/onnx';
import { afterAll, describe, expect, it } from 'vitest';
import { tagNotes } from './predict.js';

/** The tiny random-weight BERT NER fixture plus @bcmb/onnx's 1024-token test vocabulary. */
const SOURCES = [
  '../../fixtures/models/tiny-bert-tokcls/',
  '../../packages/pipeline/fixtures/tiny-wordpiece/',
];
const NOTES = fileURLToPath(new URL('./notes.jsonl', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'bcmb-example-predict-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
for (const source of SOURCES) {
  const dir = fileURLToPath(new URL(source, import.meta.url));
  for (const file of readdirSync(dir)) copyFileSync(join(dir, file), join(scratch, file));
}

describe.skipIf((await onnxRuntimeAvailable()) !== true)('predict-onnx example', () => {
  it('tags every note and saves the exported graph', async () => {
    const onnxPath = join(scratch, 'model.onnx');
    const lines = await tagNotes(scratch, NOTES, onnxPath);
    expect(lines.map((line) => line.split(':')[0])).toEqual(['note-1', 'note-2', 'note-3']);
    expect(existsSync(onnxPath)).toBe(true);
  });
});
