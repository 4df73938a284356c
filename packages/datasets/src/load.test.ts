import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MissingRawFileError, TaskRegistrationError, UnknownTaskError } from './errors.js';
import { loadTask } from './load.js';
import { getTask, listTasks, registerTask } from './registry.js';
import { scratchRawDir } from './test-fixtures.js';
import type { SingleLabelExample, TaskAdapter } from './types.js';

describe('loadTask cache', () => {
  it('writes processed splits as JSON Lines, then serves them unchanged from the cache', async () => {
    const raw = scratchRawDir('COS');
    const processed = scratchRawDir();
    try {
      const first = await loadTask('COS', { rawDir: raw.dir, processedDir: processed.dir });
      expect(first.fromCache).toBe(false);
      expect(readdirSync(processed.dir).sort()).toEqual([
        'meta.json',
        'test.jsonl',
        'train.jsonl',
        'validation.jsonl',
      ]);
      const trainLines = readFileSync(join(processed.dir, 'train.jsonl'), 'utf8').trimEnd().split('\n');
      expect(trainLines.map((line) => JSON.parse(line))).toEqual(first.train);
      const second = await loadTask('COS', { rawDir: raw.dir, processedDir: processed.dir });
      expect(second.fromCache).toBe(true);
      expect(second).toEqual({ ...first, fromCache: true });
    } finally {
      raw.dispose();
      processed.dispose();
    }
  });

  it('rebuilds when a raw file changes', async () => {
    const raw = scratchRawDir('ChemProt');
    const processed = scratchRawDir();
    try {
      await loadTask('ChemProt', { rawDir: raw.dir, processedDir: processed.dir });
      const test = join(raw.dir, 'test.tsv');
      writeFileSync(test, readFileSync(test, 'utf8').replace('kinase.', 'kinases.'));
      utimesSync(test, new Date(0), new Date(0));
      const reloaded = await loadTask('ChemProt', { rawDir: raw.dir, processedDir: processed.dir });
      expect(reloaded.fromCache).toBe(false);
      expect(reloaded.test[0]?.text).toContain('kinases.');
    } finally {
      raw.dispose();
      processed.dispose();
    }
  });

  it('rebuilds when the adapter version changes', async () => {
    const raw = scratchRawDir('COS');
    const processed = scratchRawDir();
    try {
      const options = { rawDir: raw.dir, processedDir: processed.dir };
      await loadTask('COS', options);
      const bumped = { ...getTask('COS'), version: 'next' };
      expect((await loadTask(bumped, options)).fromCache).toBe(false);
      expect((await loadTask(bumped, options)).fromCache).toBe(true);
    } finally {
      raw.dispose();
      processed.dispose();
    }
  });

  it('leaves no temp files behind and skips the cache when asked', async () => {
    const raw = scratchRawDir('COS');
    const processed = scratchRawDir();
    try {
      await loadTask('COS', { rawDir: raw.dir, processedDir: join(processed.dir, 'COS') });
      expect(readdirSync(processed.dir)).toEqual(['COS']);
      const uncached = await loadTask('COS', {
        rawDir: raw.dir,
        processedDir: join(processed.dir, 'X'),
        cache: false,
      });
      expect(uncached.fromCache).toBe(false);
      expect(existsSync(join(processed.dir, 'X'))).toBe(false);
    } finally {
      raw.dispose();
      processed.dispose();
    }
  });
});

describe('missing raw files', () => {
  it.each([
    [
      'Phenotype',
      'ACTdb102003.csv',
      'https://www.physionet.org/content/phenotype-annotations-mimic/1.20.03/',
    ],
    [
      'ChemProt',
      'train.tsv',
      'https://github.com/ncbi-nlp/BLUE_Benchmark/releases/download/0.1/bert_data.zip',
    ],
    ['DEID', 'id.text', 'https://www.physionet.org/content/deidentifiedmedicaltext/1.0/'],
    ['COS', '*.ann', 'https://depts.washington.edu/bionlp/data/corpora/files/events-COS-corpus.zip'],
    [
      'SocialHistory',
      '*.txt',
      'https://depts.washington.edu/bionlp/data/corpora/files/SocialHistoryMTSamples.zip',
    ],
  ])('%s names %s, where it goes and where to get it', async (task, file, url) => {
    const empty = scratchRawDir();
    try {
      const error = await loadTask(task, { rawDir: empty.dir, cache: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingRawFileError);
      const message = (error as Error).message;
      expect(message).toContain(`${task} raw file not found: ${join(empty.dir, file)}`);
      expect(message).toContain(url);
      expect(message).toContain(`place it at ${join(empty.dir, file)}`);
    } finally {
      empty.dispose();
    }
  });

  it('defaults to data/raw/<dir> under the working directory, as the research repo', async () => {
    const error = await loadTask('Phenotype', { cache: false }).catch((e: unknown) => e);
    expect((error as MissingRawFileError).expectedPath).toBe(
      join(process.cwd(), 'data/raw/phenotype/ACTdb102003.csv'),
    );
  });
});

describe('task registry', () => {
  it('lists the five research tasks with their problem types', () => {
    expect(listTasks().slice(0, 5)).toEqual(['Phenotype', 'ChemProt', 'DEID', 'COS', 'SocialHistory']);
    expect(
      ['Phenotype', 'ChemProt', 'DEID', 'COS', 'SocialHistory'].map((t) => getTask(t).problemType),
    ).toEqual(['multi_label', 'single_label', 'token', 'token', 'token']);
  });

  it('loads a user-registered task through loadTask, cache included', async () => {
    const raw = scratchRawDir();
    const processed = scratchRawDir();
    try {
      writeFileSync(join(raw.dir, 'lines.txt'), 'good\nbad\n');
      const adapter: TaskAdapter<SingleLabelExample> = {
        name: 'LineSentiment',
        problemType: 'single_label',
        labelNames: ['bad', 'good'],
        version: '1',
        dirName: 'line-sentiment',
        inputFiles: async (dir) => [join(dir, 'lines.txt')],
        async load(dir) {
          const lines = readFileSync(join(dir, 'lines.txt'), 'utf8').trim().split('\n');
          const examples = lines.map((text) => ({ text, labels: text === 'good' ? 1 : 0 }));
          return { train: examples, validation: [], test: [], labelNames: ['bad', 'good'], warnings: [] };
        },
      };
      registerTask(adapter);
      expect(() => registerTask(adapter)).toThrow(TaskRegistrationError);
      const loaded = await loadTask('LineSentiment', { rawDir: raw.dir, processedDir: processed.dir });
      expect(loaded.train).toEqual([
        { text: 'good', labels: 1 },
        { text: 'bad', labels: 0 },
      ]);
      expect(
        (await loadTask('LineSentiment', { rawDir: raw.dir, processedDir: processed.dir })).fromCache,
      ).toBe(true);
    } finally {
      raw.dispose();
      processed.dispose();
    }
  });

  it('names the registered tasks when asked for an unknown one', () => {
    expect(() => getTask('MedNLI')).toThrow(UnknownTaskError);
    expect(() => getTask('MedNLI')).toThrow(
      /Registered tasks: Phenotype, ChemProt, DEID, COS, SocialHistory/,
    );
  });
});
