import { describe, expect, it } from 'vitest';
import { byName, expectCloseTo, loadCases } from '../test/fixtures.js';
import { MetricsInputError } from './errors.js';
import { extractEntities, type SeqevalResult, seqeval } from './seqeval.js';

type EvaluateOutput = Record<string, unknown> | { error: { type: string; message: string } };

interface SeqevalCase {
  name: string;
  note?: string;
  references: string[][];
  predictions: string[][];
  default: EvaluateOutput;
  strict_IOB2: EvaluateOutput;
}

const cases = loadCases<SeqevalCase>('seqeval.json');

/** `evaluate`'s flat dict: per-type entries next to the overall_* numbers. */
function asEvaluateDict({ byType, ...overall }: SeqevalResult): Record<string, unknown> {
  return { ...byType, ...overall };
}

function checkAgainst(expected: EvaluateOutput, run: () => SeqevalResult): void {
  if ('error' in expected) {
    const { type, message } = expected.error as { type: string; message: string };
    expect(type).toBe('ValueError');
    expect(run).toThrow(MetricsInputError);
    expect(run).toThrow(message);
    return;
  }
  const result = run();
  expectCloseTo(asEvaluateDict(result), expected);
  // evaluate lists the types in Python sorted() order
  expect(Object.keys(result.byType)).toEqual(Object.keys(expected).filter((k) => !k.startsWith('overall_')));
}

describe('seqeval against evaluate.load("seqeval").compute (seqeval.json)', () => {
  it('has the 33 recorded cases', () => {
    expect(cases).toHaveLength(33);
  });

  it.each(byName(cases))('%s: default (lenient) mode matches', (_, c) => {
    checkAgainst(c.default, () => seqeval(c.references, c.predictions));
  });

  it.each(byName(cases))('%s: mode="strict", scheme=IOB2 matches', (_, c) => {
    checkAgainst(c.strict_IOB2, () => seqeval(c.references, c.predictions, { mode: 'strict' }));
  });
});

describe('seqeval entity extraction', () => {
  it('opens an entity at a lone I- in default mode but not in strict mode', () => {
    expect(extractEntities([['O', 'I-X', 'I-X', 'O']])).toEqual([
      { sentence: 0, type: 'X', start: 1, end: 2 },
    ]);
    expect(extractEntities([['O', 'I-X', 'I-X', 'O']], { mode: 'strict' })).toEqual([]);
  });

  it('splits an entity where the type switches, and types bare B/I as _', () => {
    expect(extractEntities([['B-A', 'I-B', 'B', 'I']])).toEqual([
      { sentence: 0, type: 'A', start: 0, end: 0 },
      { sentence: 0, type: 'B', start: 1, end: 1 },
      { sentence: 0, type: '_', start: 2, end: 3 },
    ]);
  });

  it('closes entities at the end of each sentence, with positions inside that sentence', () => {
    expect(
      extractEntities([
        ['O', 'B-A'],
        ['I-A', 'O'],
      ]),
    ).toEqual([
      { sentence: 0, type: 'A', start: 1, end: 1 },
      { sentence: 1, type: 'A', start: 0, end: 0 },
    ]);
  });

  it('keeps everything after the first dash as the type', () => {
    expect(extractEntities([['B-ADVANCED-X']])).toEqual([
      { sentence: 0, type: 'ADVANCED-X', start: 0, end: 0 },
    ]);
  });

  it('throws typed errors for misaligned sentences, empty tags and unknown strict prefixes', () => {
    expect(() => seqeval([['O']], [['O'], ['O']])).toThrow(/1 reference sentences but 2 predicted sentences/);
    expect(() => seqeval([['O', 'O']], [['O']])).toThrow(
      /seqeval sentence 0: 2 reference tags but 1 predicted/,
    );
    expect(() => seqeval([['']], [['O']])).toThrow(/empty tag/);
    expect(() => seqeval([['X-A']], [['O']], { mode: 'strict' })).toThrow(/no known prefix/);
    expect(() => seqeval([[]], [[]])).toThrow(/no tags/);
  });
});
