import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chunkNote, mdsOutputDir, type PrepareTokenizer, prepareMds, tokenCountLine } from './prepare.js';

const MDS_FIXTURES = new URL('../../mds/fixtures/', import.meta.url).pathname;
const tokenInputs = JSON.parse(await readFile(join(MDS_FIXTURES, 'token_inputs.json'), 'utf8')) as {
  rows: (number[] | null)[];
  concat_tokens: number;
  vocab: Record<string, number>;
  special_ids: Record<string, number>;
};
const expected = JSON.parse(await readFile(join(MDS_FIXTURES, 'expected_samples.json'), 'utf8')) as {
  samples: number[][];
};

/** The fixture's fake word-level tokenizer and its first_token_with_space_rule. */
const fake: PrepareTokenizer = {
  encode: (text) =>
    text
      .split(/\s+/)
      .filter((w) => w !== '')
      .map((w) => {
        const id = tokenInputs.vocab[w];
        if (id === undefined) throw new Error(`word ${w} not in the fake vocab`);
        return id;
      }),
  firstTokenWithSpace: (id) => (id % 5 === 0 ? [220, id] : [id]),
  bos: [tokenInputs.special_ids['[CLS]'] as number],
  eos: [tokenInputs.special_ids['[SEP]'] as number],
};

const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('convert_dataset_to_mds.py semantics', () => {
  it('chunks token_inputs.json into exactly expected_samples.json (first-token quirk, last partial chunk kept)', () => {
    const samples = tokenInputs.rows.flatMap((ids) =>
      ids === null ? [] : chunkNote(ids, fake, tokenInputs.concat_tokens),
    );
    expect(samples).toEqual(expected.samples);
    expect(samples.some((s) => s.length === 65)).toBe(true);
  });

  it('names the output folder like basename(csv).rsplit("_", 1)[0] and prints counts with thousands separators', () => {
    expect(mdsOutputDir('out', 'data/synthetic_notes.csv')).toBe(join('out', 'synthetic'));
    expect(mdsOutputDir('out', 'notes.csv')).toBe(join('out', 'notes.csv'));
    expect(tokenCountLine('synthetic_notes.csv', 8551)).toBe('synthetic_notes.csv 8,551\n');
  });

  it('streams synthetic_notes.csv into shards byte-identical to the real script, with its token-count line', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bcmb-prepare-'));
    temps.push(out);
    const counts = join(out, 'token_counts.txt');
    const lines: string[] = [];
    const result = await prepareMds({
      csv: join(MDS_FIXTURES, 'synthetic_notes.csv'),
      outDir: out,
      tokenizer: fake,
      tokenCounts: counts,
      concatTokens: tokenInputs.concat_tokens,
      progress: false,
      log: (line) => lines.push(line),
    });
    expect(result).toMatchObject({ rows: 200, skippedEmpty: 2, samples: 250, shards: 1 });
    for (const name of await readdir(join(MDS_FIXTURES, 'default', 'synthetic'))) {
      const ours = await readFile(join(out, 'synthetic', name));
      expect(ours.equals(await readFile(join(MDS_FIXTURES, 'default', 'synthetic', name))), name).toBe(true);
    }
    const line = (await readFile(counts, 'utf8')).replace(/^.*\//, '');
    expect(line).toBe(await readFile(join(MDS_FIXTURES, 'token_counts.txt'), 'utf8'));
    await expect(
      prepareMds({
        csv: join(MDS_FIXTURES, 'synthetic_notes.csv'),
        outDir: out,
        tokenizer: fake,
        progress: false,
        log: () => {},
      }),
    ).rejects.toThrow(/not empty/);
  });
});

describe('prepareTokenizerFrom', () => {
  it('wraps the real ModernBERT tokenizer as the script does: [CLS]/[SEP] ids and the space-prefixed first token', async () => {
    const { loadTokenizer } = await import('@bcmb/tokenizer');
    const { prepareTokenizerFrom } = await import('./prepare.js');
    const dir = new URL('../../tokenizer/fixtures/modernbert/', import.meta.url).pathname;
    const tokenizer = prepareTokenizerFrom(await loadTokenizer(dir, { addPrefixSpace: true }));
    expect(tokenizer.bos).toEqual([50281]);
    expect(tokenizer.eos).toEqual([50282]);
    const ids = tokenizer.encode('Patient denies chest pain.');
    // With add_prefix_space the first word already carries its space, so decode + " " re-encodes it as [Ġ, Ġword].
    const first = tokenizer.firstTokenWithSpace(ids[0] as number);
    expect(first.length).toBe(2);
    expect(first[1]).toBe(ids[0]);
    const samples = chunkNote(ids, tokenizer, 4);
    expect(samples[0]).toEqual([50281, ...first, ids[1], 50282]);
  });
});
