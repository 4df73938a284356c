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
import { pipeline } from '@bcmb/pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import { npyHeader } from '../npy.js';
import { createProgram, runProgram } from '../program.js';
import { embedCommand } from './embed.js';

const MODELS = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));
const BPE = fileURLToPath(new URL('../../../pipeline/fixtures/tiny-bpe/', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'bcmb-embed-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const model = join(scratch, 'model');
mkdirSync(model);
for (const source of [join(MODELS, 'tiny-modernbert-mlm'), BPE])
  for (const file of readdirSync(source)) copyFileSync(join(source, file), join(model, file));

const embed = (...args: string[]) => runProgram(createProgram([embedCommand()]), ['embed', ...args]);
const runtime = await onnxRuntimeAvailable();
const TEXTS = ['Patient denies chest pain.', 'Started metformin 500 mg daily; 患者 🙂.', 'pain '.repeat(700)];

describe('npy header', () => {
  it("is byte for byte numpy's np.save header (format 1.0, data aligned to 64 bytes)", () => {
    // numpy 2.4.6: np.save(f, np.zeros((2, 3), np.float32)) and np.zeros((0, 64), np.float32), first 128 bytes.
    const numpy = (shape: string) =>
      `\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
    const header = (shape: number[]) => Buffer.from(npyHeader(shape)).toString('latin1');
    expect(header([2, 3])).toBe(`${numpy('(2, 3)')}${' '.repeat(58)}\n`);
    expect(header([0, 64])).toBe(`${numpy('(0, 64)')}${' '.repeat(57)}\n`);
    expect(header([5])).toMatch(/'shape': \(5,\), \}/);
    expect(npyHeader([123456, 768]).length % 64).toBe(0);
  });
});

describe.skipIf(runtime !== true)('bcmb embed', () => {
  it('writes a float32 .npy matrix, rows in input order, equal to pipeline("feature-extraction")', async () => {
    const input = join(scratch, 'notes.jsonl');
    writeFileSync(input, TEXTS.map((text) => JSON.stringify({ text })).join('\n'));
    const output = join(scratch, 'notes.npy');
    expect(
      await embed(
        '-m',
        model,
        '-i',
        input,
        '-o',
        output,
        '--normalize',
        '--max-length',
        '128',
        '--no-progress',
      ),
    ).toBe(0);
    const bytes = readFileSync(output);
    const headerLength = bytes.readUInt16LE(8);
    expect(bytes.subarray(10, 10 + headerLength).toString('latin1')).toMatch(
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3, 64\), \} +\n$/,
    );
    const data = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length),
    );
    expect(data.length).toBe(3 * 64);
    const pipe = await pipeline('feature-extraction', model, { normalize: true, maxLength: 128 });
    const expected = await pipe(TEXTS);
    await pipe.dispose();
    expected.forEach((vector, row) => {
      const got = data.subarray(row * 64, (row + 1) * 64);
      expect(Math.max(...Array.from(vector, (v, h) => Math.abs(v - (got[h] as number))))).toBeLessThanOrEqual(
        1e-6,
      );
    });
  });

  it('writes JSON Lines with the embedding and the line number of plain text input, CLS pooling on tfjs', async () => {
    const input = join(scratch, 'notes.txt');
    writeFileSync(input, `${TEXTS.slice(0, 2).join('\n')}\n`);
    const output = join(scratch, 'vectors.jsonl');
    expect(
      await embed('-m', model, '-i', input, '-o', output, '--pooling', 'cls', '-e', 'tfjs', '--no-progress'),
    ).toBe(0);
    const lines = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.line, line.embedding.length])).toEqual([
      [1, 64],
      [2, 64],
    ]);
  });
});
