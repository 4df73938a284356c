import { describe, expect, it } from 'vitest';
import { vocabDigest } from '../scripts/derive-skeletons.js';
import { readFixture } from './test-support.js';
import { countCasedEntries, parseVocab, wordPieceTokenizerJson } from './wordpiece-from-vocab.js';

const vocab = parseVocab(readFixture('bert-base-cased/vocab.txt'));

/** The tokenizer.json with its vocabulary replaced by a digest, as the skeleton fixtures store it. */
function skeleton(json: ReturnType<typeof wordPieceTokenizerJson>) {
  return { ...json, model: { ...json.model, vocab: vocabDigest(json.model.vocab) } };
}

describe('wordPieceTokenizerJson', () => {
  it('reads the 28,996-line bert-base-cased vocab.txt with ids = line numbers', () => {
    expect(vocab.size).toBe(28_996);
    expect(vocab.get('[PAD]')).toBe(0);
    expect(vocab.get('[UNK]')).toBe(100);
    expect(vocab.get('[MASK]')).toBe(103);
  });

  it('builds the tokenizer.json transformers BertConverter builds for Bio_ClinicalBERT (lowercase default)', () => {
    const expected = JSON.parse(
      readFixture('derived/bio_clinicalbert.autotokenizer_lowercase.skeleton.json'),
    );
    expect(skeleton(wordPieceTokenizerJson(vocab))).toEqual(expected);
  });

  it('builds the tokenizer.json BertConverter builds with do_lower_case=False (bert-base-cased)', () => {
    const expected = JSON.parse(readFixture('derived/bert_base_cased.cased.skeleton.json'));
    expect(skeleton(wordPieceTokenizerJson(vocab, { lowercase: false }))).toEqual(expected);
  });

  it('keeps the first position and the last id of a token listed twice, like Python load_vocab', () => {
    const duplicated = parseVocab('[PAD]\na\nb\na\r\nc\n');
    expect([...duplicated]).toEqual([
      ['[PAD]', 0],
      ['a', 3],
      ['b', 2],
      ['c', 4],
    ]);
  });

  it('appends a special token the vocabulary lacks, as add_tokens does', () => {
    const json = wordPieceTokenizerJson(parseVocab('[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n'));
    expect(json.added_tokens.map((t) => [t.content, t.id])).toEqual([
      ['[PAD]', 0],
      ['[UNK]', 1],
      ['[CLS]', 2],
      ['[SEP]', 3],
      ['[MASK]', 5],
    ]);
  });

  it('counts the capitalised entries that make bert-base-cased a cased vocabulary', () => {
    expect(countCasedEntries(vocab)).toBeGreaterThan(8_000);
    expect(countCasedEntries(parseVocab('[PAD]\n[UNK]\nhello\n##ing\n'))).toBe(0);
  });
});
