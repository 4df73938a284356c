/** A labelled [start, end) range of a note, in UTF-16 units (what `@bcmb/pipeline` returns). */
export interface LabelledSpan {
  label: string;
  start: number;
  end: number;
}

/**
 * The note with every span replaced by its label in brackets, `[name]`. Overlapping spans become one, labelled
 * as the first and covering both: no character of any span is left in the clear.
 */
export function redact(text: string, spans: readonly LabelledSpan[]): string {
  const ordered = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  for (const span of ordered) {
    if (span.end <= cursor) continue;
    if (span.start >= cursor) out += `${text.slice(cursor, span.start)}[${span.label}]`;
    cursor = span.end;
  }
  return out + text.slice(cursor);
}

/** The note cut into plain text and labelled pieces, in order, for display. */
export function segments(
  text: string,
  spans: readonly LabelledSpan[],
): { text: string; label?: string; start: number; end: number }[] {
  const ordered = [...spans].sort((a, b) => a.start - b.start);
  const out: { text: string; label?: string; start: number; end: number }[] = [];
  let cursor = 0;
  for (const span of ordered) {
    if (span.start < cursor) continue;
    if (span.start > cursor)
      out.push({ text: text.slice(cursor, span.start), start: cursor, end: span.start });
    out.push({ text: text.slice(span.start, span.end), label: span.label, start: span.start, end: span.end });
    cursor = span.end;
  }
  if (cursor < text.length) out.push({ text: text.slice(cursor), start: cursor, end: text.length });
  return out;
}
