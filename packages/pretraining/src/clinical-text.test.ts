import { describe, expect, it } from 'vitest';
import { clinicalDocuments, splitSections, splitSentences } from './clinical-text.js';

const NOTE = `Admission Date:  [**2151-7-16**]       Discharge Date:  [**2151-8-4**]

HISTORY OF PRESENT ILLNESS:  This 64 y.o. man was seen by Dr. Smith at 10 a.m. He denies chest pain.
Pt reports SOB x 2 days. Temp 98.6.
PHYSICAL EXAM:
Lungs clear. Abdomen soft, nontender.

Discharge Medications:
1. Aspirin 81 mg p.o. daily.
2. Lisinopril 10 mg q.d.`;

describe('splitSections', () => {
  it('starts a section at each MIMIC heading line and keeps text before the first heading', () => {
    const sections = splitSections(NOTE);
    expect(sections.map((s) => s.split(':')[0])).toEqual([
      'Admission Date',
      'HISTORY OF PRESENT ILLNESS',
      'PHYSICAL EXAM',
      'Discharge Medications',
    ]);
  });
});

describe('splitSentences', () => {
  it('splits at sentence ends but not after abbreviations, initials, decimals or inside [** **]', () => {
    const [, hpi] = splitSections(NOTE);
    expect(splitSentences(hpi as string)).toEqual([
      'HISTORY OF PRESENT ILLNESS: This 64 y.o. man was seen by Dr. Smith at 10 a.m. He denies chest pain.',
      'Pt reports SOB x 2 days.',
      'Temp 98.6.',
    ]);
  });

  it('keeps numbered list items apart and de-id placeholders whole', () => {
    const sections = splitSections(NOTE);
    expect(splitSentences(sections[3] as string)).toEqual([
      'Discharge Medications:',
      '1. Aspirin 81 mg p.o. daily.',
      '2. Lisinopril 10 mg q.d.',
    ]);
    expect(splitSentences(sections[0] as string)).toEqual([
      'Admission Date: [**2151-7-16**] Discharge Date: [**2151-8-4**]',
    ]);
  });
});

describe('clinicalDocuments', () => {
  it('turns each note into a document of tokenized sentences and drops empty ones', () => {
    const docs = clinicalDocuments([NOTE, '   ', 'Plan: follow up.'], (s) => s.toLowerCase().split(' '));
    expect(docs.length).toBe(2);
    expect(docs[1]).toEqual([['plan:', 'follow', 'up.']]);
  });
});
