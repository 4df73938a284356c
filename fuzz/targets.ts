import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig, readSafetensors, readTorchCheckpoint } from '@bcmb/architectures';
import { loadTask } from '@bcmb/datasets';
import { loadTokenizer } from '@bcmb/tokenizer';
import {
  legacyCheckpoint,
  PickleWriter,
  zipArchive,
} from '../packages/architectures/src/weights/test-support.js';
import { ZipArchive } from '../packages/architectures/src/weights/zip.js';
import type { FuzzTarget } from './harness.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const models = join(root, 'fixtures/models');
const tokenizers = join(root, 'packages/tokenizer/fixtures');
const datasets = join(root, 'packages/datasets/fixtures/datasets');

const read = (...parts: string[]) => new Uint8Array(readFileSync(join(...parts)));
const silent = () => {};

/** A small state-dict pickle: two float tensors over storages "0" and "1", one strided. */
function smallStateDict(): Uint8Array {
  const main = new PickleWriter().proto().emptyDict().mark();
  main.str('a.weight').tensor({ type: 'FloatStorage', key: '0', numel: 6 }, 0, [2, 3], [3, 1]);
  main.str('a.bias').tensor({ type: 'HalfStorage', key: '1', numel: 4 }, 1, [3], [1]);
  main.str('b.t').tensor({ type: 'FloatStorage', key: '0', numel: 6 }, 0, [3, 2], [1, 3]);
  return main.setItems().stop().bytes();
}

const floats = (count: number) => new Uint8Array(new Float32Array(count).map((_, i) => i / 7 - 0.3).buffer);

async function loadFile(
  bytes: Uint8Array,
  dir: string,
  name: string,
  load: (path: string) => Promise<unknown>,
) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return load(path);
}

/** The ModernBERT fixture tokenizer.json cut to its first 600 ids (and the merges among them), for fast cases. */
function smallByteLevelTokenizer(): Uint8Array {
  const json = JSON.parse(readFileSync(join(tokenizers, 'modernbert/tokenizer.json'), 'utf8'));
  const vocab = Object.fromEntries(
    Object.entries(json.model.vocab as Record<string, number>).filter(([, id]) => id < 600),
  );
  json.model.vocab = vocab;
  json.model.merges = (json.model.merges as (string | [string, string])[]).filter((merge) => {
    const [a, b] = typeof merge === 'string' ? merge.split(' ') : merge;
    return a! in vocab && b! in vocab && `${a}${b}` in vocab;
  });
  return new TextEncoder().encode(JSON.stringify(json));
}

const SAMPLE = 'Pt c/o SOB, denies CP. BP 120/80; HR 72. Hx of T2DM — on metformin 500mg.';

export const TARGETS: FuzzTarget[] = [
  {
    name: 'safetensors',
    seeds: async () => [
      read(models, 'tiny-modernbert-mlm/model.safetensors'),
      read(models, 'tiny-bert-mlm/model.safetensors'),
    ],
    load: (bytes, dir) => loadFile(bytes, dir, 'model.safetensors', readSafetensors),
  },
  {
    name: 'pickle (zip pytorch_model.bin)',
    seeds: async () => [
      read(models, 'tiny-bert-mlm/pytorch_model.bin'),
      zipArchive([
        { name: 'ckpt/data.pkl', data: smallStateDict() },
        { name: 'ckpt/byteorder', data: new TextEncoder().encode('little') },
        { name: 'ckpt/data/0', data: floats(6) },
        { name: 'ckpt/data/1', data: new Uint8Array(8).fill(0x3c) },
        { name: 'ckpt/version', data: new TextEncoder().encode('3\n') },
      ]),
    ],
    load: (bytes, dir) => loadFile(bytes, dir, 'pytorch_model.bin', readTorchCheckpoint),
  },
  {
    name: 'pickle (legacy pytorch_model.bin)',
    seeds: async () => [
      read(models, 'tiny-bert-mlm-legacy/pytorch_model.bin'),
      legacyCheckpoint(smallStateDict(), [
        { key: '0', count: 6, data: floats(6) },
        { key: '1', count: 4, data: new Uint8Array(8).fill(0x3c) },
      ]),
    ],
    load: (bytes, dir) => loadFile(bytes, dir, 'pytorch_model.bin', readTorchCheckpoint),
  },
  {
    name: 'zip',
    seeds: async () => [
      zipArchive([
        { name: 'a/data.pkl', data: smallStateDict(), deflate: true },
        { name: 'a/data/0', data: floats(64) },
        { name: 'a/data/1', data: new Uint8Array(4096), deflate: true },
      ]),
      zipArchive([{ name: 'x', data: new TextEncoder().encode('hello '.repeat(100)), deflate: true }]),
    ],
    load: (bytes, dir) =>
      loadFile(bytes, dir, 'archive.zip', async (path) => {
        const archive = await ZipArchive.open(path);
        try {
          for (const name of archive.entries.keys()) await archive.read(name, { maxSize: 1 << 20 });
        } finally {
          await archive.close();
        }
      }),
  },
  {
    name: 'config.json',
    json: true,
    seeds: async () =>
      ['tiny-bert-mlm', 'tiny-modernbert-mlm', 'tiny-bert-seqcls-multilabel', 'tiny-modernbert-tokcls'].map(
        (folder) => read(models, folder, 'config.json'),
      ),
    load: async (bytes, dir) => {
      await writeFile(join(dir, 'config.json'), bytes);
      return readConfig(dir);
    },
  },
  {
    name: 'tokenizer.json',
    json: true,
    seeds: async () => [smallByteLevelTokenizer()],
    load: async (bytes, dir) => {
      await writeFile(join(dir, 'tokenizer.json'), bytes);
      const tokenizer = await loadTokenizer(dir, { warn: silent });
      const encoding = tokenizer.encode(SAMPLE, { textPair: 'short pair', truncation: true, maxLength: 24 });
      return tokenizer.decode(encoding.ids);
    },
  },
  {
    name: 'vocab.txt',
    seeds: async () => {
      const lines = readFileSync(join(tokenizers, 'bert-base-cased/vocab.txt'), 'utf8').split('\n');
      return [new TextEncoder().encode(`${lines.slice(0, 3000).join('\n')}\n`)];
    },
    load: async (bytes, dir) => {
      await writeFile(join(dir, 'vocab.txt'), bytes);
      const tokenizer = await loadTokenizer(dir, { warn: silent });
      const encoding = tokenizer.encode(SAMPLE, { textPair: 'short pair', truncation: true, maxLength: 24 });
      return tokenizer.decode(encoding.ids);
    },
  },
  ...datasetTargets(),
];

/** One target per task and raw file: the file is mutated, the task's other raw files are copied as they are. */
function datasetTargets(): FuzzTarget[] {
  const tasks: [task: string, fixture: string, files: string[]][] = [
    ['ChemProt', 'ChemProt', ['train.tsv', 'dev.tsv']],
    ['Phenotype', 'Phenotype', ['ACTdb102003.csv', 'NOTEEVENTS.csv']],
    ['DEID', 'DEID', ['id.text', 'id.res']],
    ['COS', 'COS', ['note_001.ann', 'note_001.txt']],
    ['SocialHistory', 'SocialHistory', ['mts_0001.ann', 'mts_0001.txt']],
  ];
  return tasks.flatMap(([task, fixture, files]) =>
    files.map(
      (mutated): FuzzTarget => ({
        name: `${task} ${mutated}`,
        seeds: async () => [read(datasets, fixture, 'raw', mutated)],
        load: async (bytes, dir) => {
          const raw = join(dir, 'raw');
          await mkdir(raw);
          for (const name of readdirSync(join(datasets, fixture, 'raw'))) {
            await writeFile(join(raw, name), name === mutated ? bytes : read(datasets, fixture, 'raw', name));
          }
          return loadTask(task, { rawDir: raw, cache: false, progress: false });
        },
      }),
    ),
  );
}
