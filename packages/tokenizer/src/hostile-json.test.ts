import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBcmbError } from '@bcmb/core';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenizerLoadError } from './errors.js';
import { loadTokenizer } from './load.js';
import { readFixture } from './test-support.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into a parsed tokenizer.json to damage it.
type Json = any;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the ModernBERT fixture with `edit` applied to its tokenizer.json. */
async function loadEdited(edit: (json: Json) => void): Promise<unknown> {
  const json = JSON.parse(readFixture('modernbert/tokenizer.json'));
  edit(json);
  const dir = mkdtempSync(join(tmpdir(), 'bcmb-tokenizer-hostile-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), readFixture('modernbert/tokenizer_config.json'));
  return loadTokenizer(dir).then(
    (tokenizer) => tokenizer.encode('Pt c/o SOB'),
    (error: unknown) => error,
  );
}

describe('issue 17 item 6: a damaged tokenizer.json ends in a typed error naming the file', () => {
  it.each([
    ['an unknown decoder type', (j: Json) => (j.decoder = { type: 'Foo' }), /Foo/],
    ['post_processor.single a string', (j: Json) => (j.post_processor.single = 'x'), /post_processor.single/],
    [
      'a template piece naming no special token',
      (j: Json) => (j.post_processor.single = [{ SpecialToken: { id: 'nope', type_id: 0 } }]),
      /not one of "special_tokens"/,
    ],
    [
      'special_tokens ids and tokens of different lengths',
      (j: Json) => (j.post_processor.special_tokens['[CLS]'].ids = [1, 2]),
      /different lengths/,
    ],
    ['a vocab id that is not a number', (j: Json) => (j.model.vocab.a = 'x'), /model.vocab/],
    ['merges that are not a list', (j: Json) => (j.model.merges = 5), /model.merges/],
    ['a merge that is a number', (j: Json) => (j.model.merges[3] = 7), /model.merges"\[3\]/],
    ['added_tokens an object', (j: Json) => (j.added_tokens = {}), /added_tokens/],
    [
      'an added token without content',
      (j: Json) => delete j.added_tokens[0].content,
      /added_tokens"\[0\].content/,
    ],
    ['no model', (j: Json) => delete j.model, /no "model"/],
    ['a model type that does not exist', (j: Json) => (j.model.type = 'Nope'), /Nope/],
    ['a normalizer that is a number', (j: Json) => (j.normalizer = 3), /normalizer/],
  ])('%s', async (_label, edit, message) => {
    const outcome = await loadEdited(edit);
    expect(isBcmbError(outcome), String(outcome)).toBe(true);
    expect((outcome as Error).message).toMatch(message);
  });

  it('names the tokenizer.json file in errors the tokenizers library raises', async () => {
    const outcome = await loadEdited((j) => (j.decoder = { type: 'Foo' }));
    expect(outcome).toBeInstanceOf(TokenizerLoadError);
    expect((outcome as Error).message).toMatch(/tokenizer\.json/);
  });

  it('a tokenizer_config.json with a non-string special token is refused, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bcmb-tokenizer-hostile-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'tokenizer.json'), readFixture('modernbert/tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ cls_token: 5 }));
    const error = await loadTokenizer(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenizerLoadError);
    expect((error as Error).message).toMatch(/"cls_token".*tokenizer_config\.json/);
  });
});
