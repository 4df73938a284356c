import { describe, expect, it } from 'vitest';
import { redact, segments } from './redact.js';

const NOTE = 'Mr. John Smith seen on 2019-03-14 at Boston General.';
const SPANS = [
  { label: 'date', start: 23, end: 33 },
  { label: 'name', start: 4, end: 14 },
  { label: 'location', start: 37, end: 51 },
];

describe('redacted note', () => {
  it('replaces each span with its label in brackets, whatever order the spans come in', () => {
    expect(redact(NOTE, SPANS)).toBe('Mr. [name] seen on [date] at [location].');
  });

  it('redacts two overlapping spans as one, covering both, and leaves a note without spans unchanged', () => {
    expect(
      redact('abcdef', [
        { label: 'x', start: 1, end: 4 },
        { label: 'y', start: 2, end: 5 },
      ]),
    ).toBe('a[x]f');
    expect(redact(NOTE, [])).toBe(NOTE);
  });

  it('cuts the note into pieces that join back to the note, labelled where a span is', () => {
    const pieces = segments(NOTE, SPANS);
    expect(pieces.map((piece) => piece.text).join('')).toBe(NOTE);
    expect(pieces.filter((piece) => piece.label).map((piece) => [piece.label, piece.text])).toEqual([
      ['name', 'John Smith'],
      ['date', '2019-03-14'],
      ['location', 'Boston General'],
    ]);
  });
});
