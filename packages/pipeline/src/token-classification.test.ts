/**
 * Aggregation checked against hand-worked cases: the examples transformers' own tests feed to
 * `TokenClassificationPipeline.aggregate` (tests/pipelines/test_pipelines_token_classification.py, with the scores
 * and expected groups they give), its docstring's SIMPLE example, and `gather_pre_entities`' sub-word rules.
 */
import { fileURLToPath } from 'node:url';
import { loadTokenizer, type Tokenizer } from '@bcmb/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  aggregate,
  aggregateTokens,
  gatherPreEntities,
  type PreEntity,
  type ScoredToken,
} from './token-classification.js';

const BERT_CASED = fileURLToPath(new URL('../../tokenizer/fixtures/bert-base-cased/', import.meta.url));
const TINY_BPE = fileURLToPath(new URL('../fixtures/tiny-bpe/', import.meta.url));

let bert: Tokenizer;
let bpe: Tokenizer;
beforeAll(async () => {
  bert = await loadTokenizer(BERT_CASED, { lowercase: false, warn: () => {} });
  bpe = await loadTokenizer(TINY_BPE);
});

/** transformers' `nested_simplify`: floats rounded to 3 decimals. */
function simplify<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_, v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v)),
  );
}

const CONLL = {
  0: 'O',
  1: 'B-MISC',
  2: 'I-MISC',
  3: 'B-PER',
  4: 'I-PER',
  5: 'B-ORG',
  6: 'I-ORG',
  7: 'B-LOC',
  8: 'I-LOC',
};

function pre(
  word: string,
  scores: number[],
  index: number,
  isSubword: boolean,
  start: number,
  end: number,
): PreEntity {
  return { word, scores, index, isSubword, start, end };
}

describe("aggregate (transformers' test_aggregation_strategy)", () => {
  const example = () => [
    pre('En', [0, 0, 0, 0, 0.9968166351318359, 0, 0, 0], 1, false, 0, 2),
    pre('##zo', [0, 0, 0, 0, 0.9957635998725891, 0, 0, 0], 2, true, 2, 4),
    pre('UN', [0, 0, 0, 0, 0, 0.9986497163772583, 0, 0], 7, false, 11, 13),
  ];

  it('none: one entry per token', () => {
    expect(simplify(aggregate(example(), 'none', CONLL, bert))).toEqual([
      { entity: 'I-PER', score: 0.997, index: 1, word: 'En', start: 0, end: 2 },
      { entity: 'I-PER', score: 0.996, index: 2, word: '##zo', start: 2, end: 4 },
      { entity: 'B-ORG', score: 0.999, index: 7, word: 'UN', start: 11, end: 13 },
    ]);
  });

  it('simple: I-PER I-PER group as "Enzo" with the mean score', () => {
    expect(simplify(aggregate(example(), 'simple', CONLL, bert))).toEqual([
      { entity_group: 'PER', score: 0.996, word: 'Enzo', start: 0, end: 4 },
      { entity_group: 'ORG', score: 0.999, word: 'UN', start: 11, end: 13 },
    ]);
  });

  it.each([
    ['first', 0.997],
    ['max', 0.997],
    ['average', 0.996],
  ] as const)('%s: the word takes one label, score %s', (strategy, score) => {
    expect(simplify(aggregate(example(), strategy, CONLL, bert))).toEqual([
      { entity_group: 'PER', score, word: 'Enzo', start: 0, end: 4 },
      { entity_group: 'ORG', score: 0.999, word: 'UN', start: 11, end: 13 },
    ]);
  });
});

describe("aggregate (transformers' test_aggregation_strategy_example2: Ra ##ma ##zotti)", () => {
  const example = () => [
    pre('Ra', [0, 0.55, 0, 0.45, 0, 0, 0, 0, 0, 0], 1, false, 0, 2),
    pre('##ma', [0, 0, 0, 0.2, 0, 0, 0, 0.8, 0, 0], 2, true, 2, 4),
    pre('##zotti', [0, 0, 0, 0.4, 0, 0, 0.6, 0, 0, 0], 3, true, 11, 13),
  ];

  it('none labels each token by its own best score', () => {
    expect(aggregate(example(), 'none', CONLL, bert)).toEqual([
      { entity: 'B-MISC', score: 0.55, index: 1, word: 'Ra', start: 0, end: 2 },
      { entity: 'B-LOC', score: 0.8, index: 2, word: '##ma', start: 2, end: 4 },
      { entity: 'I-ORG', score: 0.6, index: 3, word: '##zotti', start: 11, end: 13 },
    ]);
  });

  it('first takes the first token, max the most confident token, average the best mean score', () => {
    expect(aggregate(example(), 'first', CONLL, bert)).toEqual([
      { entity_group: 'MISC', score: 0.55, word: 'Ramazotti', start: 0, end: 13 },
    ]);
    expect(aggregate(example(), 'max', CONLL, bert)).toEqual([
      { entity_group: 'LOC', score: 0.8, word: 'Ramazotti', start: 0, end: 13 },
    ]);
    // Mean of B-PER is (0.45 + 0.2 + 0.4) / 3 = 0.35, a label none of the tokens has on its own.
    expect(simplify(aggregate(example(), 'average', CONLL, bert))).toEqual([
      { entity_group: 'PER', score: 0.35, word: 'Ramazotti', start: 0, end: 13 },
    ]);
  });
});

describe('aggregate: grouping rules', () => {
  const NO_PREFIX = { 0: 'O', 1: 'MISC', 2: 'PER', 3: 'ORG', 4: 'LOC' };

  it('labels without a B-/I- prefix continue each other (test_aggregation_strategy_no_b_i_prefix)', () => {
    const example = [
      pre('En', [0, 0, 0, 0, 0.9968166351318359], 1, false, 0, 2),
      pre('##zo', [0, 0, 0, 0, 0.9957635998725891], 2, true, 2, 4),
      pre('UN', [0, 0, 0, 0.9986497163772583, 0], 7, false, 11, 13),
    ];
    expect(simplify(aggregate(example, 'simple', NO_PREFIX, bert))).toEqual([
      { entity_group: 'LOC', score: 0.996, word: 'Enzo', start: 0, end: 4 },
      { entity_group: 'ORG', score: 0.999, word: 'UN', start: 11, end: 13 },
    ]);
  });

  it("the docstring's SIMPLE example: (A, B-TAG) (B, I-TAG) (C, I-TAG) (D, B-TAG2) (E, B-TAG2) → ABC, D, E", () => {
    const labels = { 0: 'O', 1: 'B-TAG', 2: 'I-TAG', 3: 'B-TAG2' };
    const one = (i: number) => [0, 1, 2, 3].map((c) => (c === i ? 1 : 0));
    const tokens = [
      pre('A', one(1), 1, false, 0, 1),
      pre('##B', one(2), 2, true, 1, 2),
      pre('##C', one(2), 3, true, 2, 3),
      pre('D', one(3), 4, false, 4, 5),
      pre('E', one(3), 5, false, 6, 7),
    ];
    expect(
      aggregate(tokens, 'simple', labels, bert).map((g) => ['entity_group' in g && g.entity_group, g.word]),
    ).toEqual([
      ['TAG', 'ABC'],
      ['TAG2', 'D'],
      ['TAG2', 'E'],
    ]);
  });

  it('O runs group too and are dropped by ignoreLabels; an I- after another type opens a new group', () => {
    const labels = { 0: 'O', 1: 'B-X', 2: 'I-X', 3: 'I-Y' };
    const text = 'a b c d e';
    const scored = (label: number, i: number): ScoredToken => ({
      index: i + 1,
      id: bert.tokenToId('a') as number,
      special: false,
      start: 2 * i,
      end: 2 * i + 1,
      scores: [0, 1, 2, 3].map((c) => (c === label ? 0.9 : 0.1 / 3)),
    });
    const tokens = [0, 2, 3, 0, 0].map(scored);
    expect(aggregateTokens(text, tokens, labels, bert, { aggregationStrategy: 'simple' })).toMatchObject([
      { entity_group: 'X', start: 2, end: 3 },
      { entity_group: 'Y', start: 4, end: 5 },
    ]);
    expect(
      aggregateTokens(text, tokens, labels, bert, { aggregationStrategy: 'simple', ignoreLabels: [] }).map(
        (g) => 'entity_group' in g && g.entity_group,
      ),
    ).toEqual(['O', 'X', 'Y', 'O']);
  });
});

describe('gatherPreEntities', () => {
  const scoresOf = (encoding: { ids: number[] }) => encoding.ids.map(() => [1, 0]);
  const scoredTokens = (tokenizer: Tokenizer, text: string): ScoredToken[] => {
    const encoding = tokenizer.encode(text);
    const scores = scoresOf(encoding);
    return encoding.ids.map((id, i) => ({
      index: i,
      id,
      special: encoding.specialTokensMask[i] === 1,
      start: encoding.offsets[i]![0],
      end: encoding.offsets[i]![1],
      scores: scores[i]!,
    }));
  };

  it("WordPiece ('Hello there', test_gather_pre_entities): specials dropped, ## tokens are sub-words", () => {
    expect(gatherPreEntities('Hello there', scoredTokens(bert, 'Hello there'), bert)).toEqual([
      { word: 'Hello', scores: [1, 0], start: 0, end: 5, index: 1, isSubword: false },
      { word: 'there', scores: [1, 0], start: 6, end: 11, index: 2, isSubword: false },
    ]);
    const pieces = gatherPreEntities('metformin', scoredTokens(bert, 'metformin'), bert);
    expect(pieces.map((p) => [p.word, p.isSubword])).toEqual([
      ['met', false],
      ['##form', true],
      ['##in', true],
    ]);
  });

  it('[UNK] takes its text as word and starts a word', () => {
    const text = 'pain 🙂x';
    const pieces = gatherPreEntities(text, scoredTokens(bert, text), bert);
    expect(pieces.map((p) => [p.word, p.isSubword, text.slice(p.start, p.end)])).toEqual([
      ['pain', false, 'pain'],
      ['🙂x', false, '🙂x'],
    ]);
  });

  it('byte-level BPE: a token continues a word unless it or the character before it is a space', () => {
    const text = 'Pt  denies CPx.';
    const pieces = gatherPreEntities(text, scoredTokens(bpe, text), bpe);
    // Tokens P t Ġ Ġd en ies ĠC P x . with offsets that keep the space a token carries.
    expect(pieces.map((p) => [p.word, text.slice(p.start, p.end), p.isSubword])).toEqual([
      ['P', 'P', false],
      ['t', 't', true],
      ['Ġ', ' ', false],
      ['Ġd', ' d', false],
      ['en', 'en', true],
      ['ies', 'ies', true],
      ['ĠC', ' C', false],
      ['P', 'P', true],
      ['x', 'x', true],
      ['.', '.', true],
    ]);
    // 'first' then makes words of them, each decoded by the byte-level decoder.
    expect(
      aggregate(pieces, 'first', { 0: 'O', 1: 'B-X' }, bpe).map((g) => [g.word, g.start, g.end]),
    ).toEqual([['Pt  denies CPx.', 0, 15]]);
    expect(pieces[0]).toMatchObject({ start: 0, isSubword: false });
  });
});
