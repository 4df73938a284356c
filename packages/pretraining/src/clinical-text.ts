/**
 * Rule-based splitting of MIMIC-style notes for the Bio_ClinicalBERT recipe (arXiv 1904.03323: notes split into
 * sections and sentences before Google's create_pretraining_data). The original used spaCy with clinical rules;
 * these are bcmb's own, deterministic rules (no library in npm fits clinical text well):
 *  - a section starts at a line that begins with a heading: up to 6 words, the first capitalised, ending in ':'
 *    (`HISTORY OF PRESENT ILLNESS:`, `Discharge Medications:`); the heading stays with its section;
 *  - a blank line ends a sentence; inside a paragraph a sentence ends at . ! or ? followed by whitespace and a
 *    capital, a digit or `[**` — unless the word before is a known abbreviation (Dr., Mr., p.o., b.i.d., …),
 *    a single letter, or the point is inside a number; a line that starts a numbered or dashed list item also
 *    starts a sentence;
 *  - `[**…**]` de-identification placeholders are never split.
 */

const HEADING = /^[ \t]*[A-Z][A-Za-z0-9/&(),'-]*(?:[ \t]+[A-Za-z0-9/&(),'-]+){0,5}[ \t]*:/;
const ABBREVIATIONS = new Set(
  [
    'dr',
    'mr',
    'mrs',
    'ms',
    'st',
    'vs',
    'no',
    'pt',
    'pts',
    'approx',
    'e.g',
    'i.e',
    'etc',
    'p.o',
    'po',
    'q.d',
    'qd',
    'b.i.d',
    'bid',
    't.i.d',
    'tid',
    'q.i.d',
    'qid',
    'q',
    'h.s',
    'hs',
    'p.r.n',
    'prn',
    'a.m',
    'p.m',
    'fig',
    'ref',
    'dx',
    'hx',
    'sx',
    'tx',
    'mg',
    'mcg',
    'ml',
    'cc',
    'min',
    'max',
    'jan',
    'feb',
    'mar',
    'apr',
    'jun',
    'jul',
    'aug',
    'sep',
    'sept',
    'oct',
    'nov',
    'dec',
  ].map((a) => a.toLowerCase()),
);
const LIST_ITEM = /^[ \t]*(?:\d{1,2}[.)]|[-*•])[ \t]+/;

/** Sections of a note, in order, each with its heading line; text before the first heading is a section too. */
export function splitSections(note: string): string[] {
  const lines = note.replace(/\r\n?/g, '\n').split('\n');
  const sections: string[][] = [[]];
  for (const line of lines) {
    if (HEADING.test(line) && (sections[sections.length - 1] as string[]).some((l) => l.trim() !== ''))
      sections.push([]);
    (sections[sections.length - 1] as string[]).push(line);
  }
  return sections.map((s) => s.join('\n').trim()).filter((s) => s !== '');
}

/** Sentences of a section (whitespace inside a sentence collapsed to single spaces). */
export function splitSentences(section: string): string[] {
  const sentences: string[] = [];
  for (const paragraph of section.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    // List items on their own line start a new sentence.
    const pieces = paragraph.split('\n').reduce<string[]>((acc, line) => {
      if (acc.length === 0 || LIST_ITEM.test(line) || HEADING.test(line)) acc.push(line);
      else acc[acc.length - 1] = `${acc[acc.length - 1]} ${line}`;
      return acc;
    }, []);
    for (const piece of pieces) sentences.push(...splitPiece(piece.replace(/\s+/g, ' ').trim()));
  }
  return sentences.filter((s) => s !== '');
}

function splitPiece(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('[**', i)) depth++;
    else if (text.startsWith('**]', i) && depth > 0) depth--;
    const ch = text[i];
    if (depth > 0 || (ch !== '.' && ch !== '!' && ch !== '?')) continue;
    const next = text.slice(i + 1);
    const after = /^ +(?=[A-Z0-9]|\[\*\*)/.exec(next);
    if (after === null) continue;
    if (ch === '.' && isAbbreviation(text.slice(start, i))) continue;
    out.push(text.slice(start, i + 1).trim());
    start = i + 1 + after[0].length;
  }
  out.push(text.slice(start).trim());
  return out;
}

function isAbbreviation(before: string): boolean {
  // A list number ("1. Aspirin") is not a sentence end.
  if (/^\s*\d{1,2}$/.test(before)) return true;
  const word = /(?:^|[^A-Za-z.])([A-Za-z][A-Za-z.]*)$/.exec(before)?.[1];
  if (word === undefined) return false;
  if (word.length === 1) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}

/**
 * Notes → create_pretraining_data documents: each note is one document; its sentences (section by section) are
 * tokenized with `tokenize` (WordPiece tokens, e.g. `tokenizer.encode(s, { addSpecialTokens: false }).tokens`).
 * Sentences that tokenize to nothing are dropped, as the script drops empty lines.
 */
export function clinicalDocuments(
  notes: Iterable<string>,
  tokenize: (sentence: string) => string[],
): string[][][] {
  const documents: string[][][] = [];
  for (const note of notes) {
    const document: string[][] = [];
    for (const section of splitSections(note)) {
      for (const sentence of splitSentences(section)) {
        const tokens = tokenize(sentence);
        if (tokens.length > 0) document.push(tokens);
      }
    }
    if (document.length > 0) documents.push(document);
  }
  return documents;
}
