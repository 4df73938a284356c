import { DatasetFormatError } from '../errors.js';
import { pyInt, pythonLines } from '../python-text.js';
import { readPythonText } from '../python-text-file.js';

// brat standoff (https://brat.nlplab.org/standoff.html): one annotation per line; text-bound ones look like
// `T1<TAB>Type start end<TAB>covered text`, with offsets in characters (code points) of the .txt file.

/** A line of an .ann file, numbered from 1 for error messages. */
export interface AnnLine {
  text: string;
  line: number;
}

/** The text-bound (`T…`) lines of an .ann file, read the way the research loader iterates it. */
export async function readTextBoundLines(path: string): Promise<AnnLine[]> {
  const lines = pythonLines(await readPythonText(path));
  return lines.filter((entry) => entry.text.startsWith('T'));
}

/** A brat offset as Python's `int()` parses it; anything else is a `DatasetFormatError` at file:line. */
export function parseOffset(value: string | undefined, file: string, line: number): number {
  const parsed = value === undefined ? undefined : pyInt(value);
  if (parsed === undefined) {
    const discontinuous = value?.includes(';') === true;
    throw new DatasetFormatError(`Bad brat offset ${JSON.stringify(value ?? '')}`, {
      file,
      line,
      hint: discontinuous
        ? 'Discontinuous spans (start end;start end) are not supported by this task, as in the research loader'
        : 'A text-bound line reads `T<n><TAB><Type> <start> <end><TAB><text>`',
    });
  }
  return parsed;
}

/** Throws unless `0 <= start <= end <= length` (offsets in code points). */
export function assertSpanInside(
  span: { start: number; end: number },
  length: number,
  file: string,
  line: number,
  what = 'the text',
): void {
  if (span.start < 0 || span.start > span.end || span.end > length) {
    throw new DatasetFormatError(
      `brat span ${span.start}-${span.end} lies outside ${what} (${length} characters)`,
      { file, line, hint: 'Check that the .ann file belongs to this .txt file and that both are unmodified' },
    );
  }
}

/** A labelled character span, offsets in code points. */
export interface LabelledSpan {
  type: string;
  start: number;
  end: number;
}

/**
 * BIO tags for tokens, as the research loader assigns them: every token lying wholly inside a span is tagged,
 * the first `B-<type>`, the rest `I-<type>`; spans are applied in order and later ones overwrite earlier ones
 * (which can leave an orphan `I-`); a span covering no whole token tags nothing.
 */
export function bioTags(
  tokens: readonly { start: number; end: number }[],
  spans: readonly LabelledSpan[],
): string[] {
  const tags = tokens.map(() => 'O');
  for (const span of spans) {
    let first = true;
    tokens.forEach((token, i) => {
      if (token.start < span.start || token.end > span.end) return;
      tags[i] = `${first ? 'B' : 'I'}-${span.type}`;
      first = false;
    });
  }
  return tags;
}
