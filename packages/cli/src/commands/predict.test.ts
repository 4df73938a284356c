import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onnxRuntimeAvailable } from '@bcmb/onnx';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeHub, fixtureFiles } from '../../../hub/test/hub-server.js';
import { createProgram, runProgram } from '../program.js';
import { predictCommand, readTexts } from './predict.js';

const MODELS = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));
const WORDPIECE = fileURLToPath(new URL('../../../pipeline/fixtures/tiny-wordpiece/', import.meta.url));
const BPE = fileURLToPath(new URL('../../../pipeline/fixtures/tiny-bpe/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'bcmb-predict-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A tiny checkpoint of the repository fixtures with the tokenizer that reads its 1024 ids. */
function model(checkpoint: string): string {
  const dir = join(scratch, checkpoint);
  mkdirSync(dir, { recursive: true });
  for (const source of [join(MODELS, checkpoint), checkpoint.includes('modernbert') ? BPE : WORDPIECE])
    for (const file of readdirSync(source)) copyFileSync(join(source, file), join(dir, file));
  return dir;
}

const NOTES = [
  { id: 'n1', text: 'Patient denies chest pain; CT scan 🙂 shows mass.' },
  { id: 'n2', text: 'Started metformin 500 mg daily.  患者发热' },
];

function writeInput(name: string, lines: string[]): string {
  const path = join(scratch, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

const predict = (...args: string[]) => runProgram(createProgram([predictCommand()]), ['predict', ...args]);
const runtime = await onnxRuntimeAvailable();

describe('readTexts', () => {
  it('reads JSON Lines objects by field and bare JSON strings, skipping blank lines, with line numbers', async () => {
    const path = writeInput('mixed.jsonl', ['{"id": 1, "note": "a b"}', '', '"plain text"']);
    expect(await readTexts(path, 'note')).toEqual([
      { record: { id: 1, note: 'a b' }, text: 'a b', line: 1 },
      { record: null, text: 'plain text', line: 3 },
    ]);
  });

  it('reads plain text lines: .txt, --format text, or a first line that is not JSON', async () => {
    const lines = ['Pt denies CP.', '', '{not json} BP 120/80'];
    for (const [name, format] of [
      ['notes.txt', 'auto'],
      ['notes.data', 'auto'],
      ['notes.jsonl', 'text'],
    ] as const) {
      expect(await readTexts(writeInput(name, lines), 'text', format)).toEqual([
        { record: null, text: 'Pt denies CP.', line: 1 },
        { record: null, text: '{not json} BP 120/80', line: 3 },
      ]);
    }
  });

  it('names the file and line of a row without the text field', async () => {
    const path = writeInput('bad.jsonl', ['{"text": "ok"}', '{"body": "no text"}']);
    await expect(readTexts(path, 'text')).rejects.toThrow(
      /line has no string field "text" \(.*bad\.jsonl:2\)/,
    );
  });
});

describe.skipIf(runtime !== true)('bcmb predict', () => {
  let ner: string;
  beforeAll(() => {
    ner = model('tiny-bert-tokcls');
  });

  it('tags notes on ONNX Runtime: entity groups with exact character offsets, other fields kept', async () => {
    const input = writeInput(
      'notes.jsonl',
      NOTES.map((note) => JSON.stringify(note)),
    );
    const output = join(scratch, 'preds.jsonl');
    const args = [
      '--model',
      ner,
      '--input',
      input,
      '--output',
      output,
      '--ignore-labels',
      '',
      '--no-progress',
    ];
    expect(await predict(...args)).toBe(0);
    const lines = readLines(output);
    expect(lines.map((line) => line.id)).toEqual(['n1', 'n2']);
    lines.forEach((line, i) => {
      const text = NOTES[i]?.text as string;
      expect(line.text).toBeUndefined();
      expect(line.entities.length).toBeGreaterThan(3);
      for (const entity of line.entities)
        expect(text.slice(entity.start, entity.end).replace(/\s+/g, '')).toBe(
          entity.word.replace(/\s+/g, ''),
        );
      expect(line.entities.at(-1).end).toBe(text.length);
    });
  });

  it('gives the same entities with --engine tfjs', async () => {
    const input = writeInput(
      'notes2.jsonl',
      NOTES.map((note) => JSON.stringify(note)),
    );
    const outputs: unknown[] = [];
    for (const engine of ['onnx', 'tfjs']) {
      const output = join(scratch, `preds-${engine}.jsonl`);
      expect(await predict('-m', ner, '-i', input, '-o', output, '--engine', engine, '--no-progress')).toBe(
        0,
      );
      outputs.push(
        readLines(output).map((line) =>
          line.entities.map((e: { entity_group: string; start: number }) => [e.entity_group, e.start]),
        ),
      );
    }
    expect(outputs[0]).toEqual(outputs[1]);
  });

  it('classifies (every label with --top-k all; long texts flagged truncated) and fills masks, the task read from config.json', async () => {
    const input = writeInput('plain.txt', ['Patient denies chest pain.', 'pain '.repeat(600)]);
    const output = join(scratch, 'labels.jsonl');
    expect(
      await predict('-m', model('tiny-modernbert-seqcls'), '-i', input, '-o', output, '--top-k', 'all'),
    ).toBe(0);
    const lines = readLines(output);
    expect(lines.map((line) => [line.line, line.labels.length, line.truncated])).toEqual([
      [1, 3, false],
      [2, 3, true],
    ]);
    const masked = writeInput('masked.txt', ['Patient denies [MASK] pain.']);
    const filled = join(scratch, 'filled.jsonl');
    expect(await predict('-m', model('tiny-bert-mlm'), '-i', masked, '-o', filled, '--top-k', '3')).toBe(0);
    const [line] = readLines(filled);
    expect(line.candidates).toHaveLength(3);
    expect(Object.keys(line.candidates[0])).toEqual(['score', 'token', 'token_str', 'sequence']);
  });

  it('reads stdin and writes stdout with "-" (a subprocess of the bcmb binary)', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', TSX, BIN, 'predict', '-m', ner, '--aggregation', 'simple'],
      {
        input: 'Patient denies chest pain.\nCT scan shows mass.\n',
        encoding: 'utf8',
        env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, HF_HUB_OFFLINE: '1' },
      },
    );
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.line)).toEqual([1, 2]);
    expect(run.stderr).toMatch(
      /token-classification with .* on onnx \(fp32\), windows of 512 tokens, stride 127/,
    );
    expect(run.stderr).toMatch(/2 texts → stdout/);
  });

  it('fails with exit code 1 and writes nothing when a line is not JSON', async () => {
    const input = writeInput('broken.jsonl', ['{"text": "fine"}', '{oops']);
    const output = join(scratch, 'never.jsonl');
    expect(await predict('-m', ner, '-i', input, '-o', output, '--no-progress')).toBe(1);
    expect(readdirSync(scratch)).not.toContain('never.jsonl');
  });

  describe('with a hub id (loopback hub, temporary Hugging Face cache)', () => {
    let hub: FakeHub;
    beforeAll(async () => {
      const tokenizer = Object.fromEntries(
        readdirSync(WORDPIECE).map((file) => [file, readFileSync(join(WORDPIECE, file))]),
      );
      hub = await FakeHub.start({
        'bcmb-test/tiny-ner': {
          refs: { main: '8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a' },
          files: { ...fixtureFiles('tiny-bert-tokcls'), ...tokenizer },
        },
      });
      vi.stubEnv('HF_HUB_CACHE', mkdtempSync(join(tmpdir(), 'bcmb-predict-cache-')));
    });
    afterAll(async () => {
      vi.unstubAllEnvs();
      await hub.close();
    });

    it('downloads the model, then runs --offline from the cache with the hub gone', async () => {
      const input = writeInput('hub.txt', ['Patient denies chest pain.']);
      const local = join(scratch, 'local.jsonl');
      expect(await predict('-m', ner, '-i', input, '-o', local, '--no-progress')).toBe(0);
      vi.stubEnv('HF_ENDPOINT', hub.endpoint);
      const online = join(scratch, 'online.jsonl');
      expect(await predict('-m', 'bcmb-test/tiny-ner', '-i', input, '-o', online, '--no-progress')).toBe(0);
      expect(readLines(online)).toEqual(readLines(local));
      const requests = hub.requests.length;
      vi.stubEnv('HF_ENDPOINT', 'http://127.0.0.1:9');
      const offline = join(scratch, 'offline.jsonl');
      expect(
        await predict('-m', 'bcmb-test/tiny-ner', '--offline', '-i', input, '-o', offline, '--no-progress'),
      ).toBe(0);
      expect(readLines(offline)).toEqual(readLines(local));
      expect(hub.requests.length).toBe(requests);
    });
  });
});
