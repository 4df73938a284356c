import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnxRuntimeAvailable } from '@bcmb/onnx';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgram, runProgram } from '../program.js';
import { predictCommand, readTexts } from './predict.js';

/** Tiny BERT NER checkpoint (repository fixtures) + a 1024-token WordPiece vocabulary (@bcmb/onnx fixtures). */
const CHECKPOINT = fileURLToPath(new URL('../../../../fixtures/models/tiny-bert-tokcls/', import.meta.url));
const VOCAB = fileURLToPath(new URL('../../../pipeline/fixtures/tiny-wordpiece/', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'bcmb-predict-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const model = join(scratch, 'model');
mkdirSync(model);
for (const source of [CHECKPOINT, VOCAB]) {
  for (const file of readdirSync(source)) {
    copyFileSync(join(source, file), join(model, file));
  }
}

const NOTES = [
  { id: 'n1', text: 'Patient denies chest pain; CT scan shows mass.' },
  { id: 'n2', text: 'Started metformin 500 mg daily.' },
];

function writeInput(name: string, lines: string[]): string {
  const path = join(scratch, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const predict = (...args: string[]) => runProgram(createProgram([predictCommand()]), ['predict', ...args]);
const runtime = await onnxRuntimeAvailable();

describe('readTexts', () => {
  it('reads objects by field and bare JSON strings, skipping blank lines', async () => {
    const path = writeInput('mixed.jsonl', ['{"id": 1, "note": "a b"}', '', '"plain text"']);
    expect(await readTexts(path, 'note')).toEqual([
      { record: { id: 1, note: 'a b' }, text: 'a b' },
      { record: null, text: 'plain text' },
    ]);
  });

  it('names the file and line of a row without the text field', async () => {
    const path = writeInput('bad.jsonl', ['{"text": "ok"}', '{"body": "no text"}']);
    await expect(readTexts(path, 'text')).rejects.toThrow(
      /line has no string field "text" \(.*bad\.jsonl:2\)/,
    );
  });
});

describe.skipIf(runtime !== true)('bcmb predict', () => {
  it('tags each note on ONNX Runtime, keeping its other fields and giving entity character spans', async () => {
    const input = writeInput(
      'notes.jsonl',
      NOTES.map((note) => JSON.stringify(note)),
    );
    const output = join(scratch, 'preds.jsonl');
    expect(await predict('--model', model, '--input', input, '--output', output, '--no-progress')).toBe(0);
    const lines = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id)).toEqual(['n1', 'n2']);
    lines.forEach((line, i) => {
      const text = NOTES[i]?.text as string;
      expect(line.text).toBeUndefined();
      expect(line.truncated).toBe(false);
      expect(line.words.length).toBeGreaterThan(3);
      for (const span of [...line.words, ...line.entities])
        expect(text.slice(span.start, span.end)).toBe(span.text);
    });
  });

  it('gives the same labels with --engine tfjs', async () => {
    const input = writeInput(
      'notes2.jsonl',
      NOTES.map((note) => JSON.stringify(note)),
    );
    const outputs: string[][][] = [];
    for (const engine of ['onnx', 'tfjs']) {
      const output = join(scratch, `preds-${engine}.jsonl`);
      expect(await predict('-m', model, '-i', input, '-o', output, '--engine', engine, '--no-progress')).toBe(
        0,
      );
      const lines = readFileSync(output, 'utf8').trim().split('\n');
      outputs.push(lines.map((line) => JSON.parse(line).words.map((w: { label: string }) => w.label)));
    }
    expect(outputs[0]).toEqual(outputs[1]);
  });

  it('fails with exit code 1 and writes nothing when a line is not JSON', async () => {
    const input = writeInput('broken.jsonl', ['{"text": "fine"}', '{oops']);
    const output = join(scratch, 'never.jsonl');
    expect(await predict('-m', model, '-i', input, '-o', output, '--no-progress')).toBe(1);
    expect(readdirSync(scratch)).not.toContain('never.jsonl');
  });
});
