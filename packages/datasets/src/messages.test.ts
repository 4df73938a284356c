import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, MissingRawFileError } from './errors.js';
import { loadTask } from './load.js';
import { readPhenotypeAnnotations } from './tasks/phenotype.js';
import { withScratchDir } from './test-fixtures.js';

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('issue 17 item 9: dataset messages say what is wrong', () => {
  it('a ChemProt train.tsv with only its header says the training split is empty', async () => {
    await withScratchDir('ChemProt', async (dir) => {
      const header = readFileSync(join(dir, 'train.tsv'), 'utf8').split('\n')[0]!;
      writeFileSync(join(dir, 'train.tsv'), `${header}\n`);
      const error = await errorOf(loadTask('ChemProt', { rawDir: dir, cache: false }));
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as Error).message).toMatch(/training split is empty/);
      expect((error as Error).message).not.toMatch(/Known labels: \./);
    });
  });

  it('a raw path that is a directory is not reported as missing, nor given a download hint', async () => {
    await withScratchDir('ChemProt', async (dir) => {
      rmSync(join(dir, 'dev.tsv'));
      mkdirSync(join(dir, 'dev.tsv'));
      const error = await errorOf(loadTask('ChemProt', { rawDir: dir, cache: false }));
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect(error).not.toBeInstanceOf(MissingRawFileError);
      expect((error as Error).message).toMatch(/dev\.tsv is a directory/);
      expect((error as Error).message).not.toMatch(/Download/);
    });
  });

  it('a raw path that is a FIFO is reported as a pipe (and never opened, so nothing blocks)', async () => {
    await withScratchDir('ChemProt', async (dir) => {
      rmSync(join(dir, 'test.tsv'));
      execFileSync('mkfifo', [join(dir, 'test.tsv')]);
      const error = await errorOf(loadTask('ChemProt', { rawDir: dir, cache: false }));
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as Error).message).toMatch(/test\.tsv is a named pipe/);
    });
  });

  it('Phenotype flags other than 0 and 1 are taken as they are, like the research code, and the hint says so', async () => {
    await withScratchDir('Phenotype', async (dir) => {
      const path = join(dir, 'ACTdb102003.csv');
      const lines = readFileSync(path, 'utf8').split('\n');
      const header = lines[0]!.split(',');
      const column = header.indexOf('OBESITY');
      expect(column).toBeGreaterThan(0);
      const row = lines[1]!.split(',');
      row[column] = '2';
      lines[1] = row.join(',');
      writeFileSync(path, lines.join('\n'));
      const annotations = await readPhenotypeAnnotations(path);
      expect(annotations.some((annotation) => annotation.labels.includes(2))).toBe(true);
      row[column] = 'x';
      lines[1] = row.join(',');
      writeFileSync(path, lines.join('\n'));
      const error = await errorOf(readPhenotypeAnnotations(path));
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as Error).message).toMatch(
        /like the research code, bcmb takes any other number as it is/,
      );
    });
  });
});
