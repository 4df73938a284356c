import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { summarizeTask } from './load-task.js';

const fixtures = fileURLToPath(new URL('../../packages/datasets/fixtures/datasets/', import.meta.url));
const processed = mkdtempSync(join(tmpdir(), 'bcmb-example-'));
afterAll(() => rmSync(processed, { recursive: true, force: true }));

describe('datasets-load-task example', () => {
  it('summarises ChemProt loaded from its raw BLUE files', async () => {
    const summary = await summarizeTask(
      'ChemProt',
      join(fixtures, 'ChemProt/raw'),
      join(processed, 'ChemProt'),
    );
    expect(summary).toContain('ChemProt (single_label)');
    expect(summary).toContain('train 10 · validation 6 · test 6');
    expect(summary).toContain('6 labels: CPR:3, CPR:4, CPR:5, CPR:6, CPR:9, false');
  });

  it('summarises a token task and reports it came from the cache the second time', async () => {
    const args = ['COS', join(fixtures, 'COS/raw'), join(processed, 'COS')] as const;
    await summarizeTask(...args);
    const summary = await summarizeTask(...args);
    expect(summary).toContain('COS (token, from cache)');
    expect(summary).toContain(
      'first train example: Rash/B-Ref on/O the/O R/B-Loc arm/I-Loc resolved/B-Cos ./O',
    );
  });
});
