/** An entry of tokenizer.json `added_tokens`. */
export interface AddedTokenConfig {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

/** A match of an added token in a text: units [start, end) (lstrip/rstrip spaces included). */
export interface AddedTokenMatch {
  id: number;
  start: number;
  end: number;
}

const WHITE_SPACE = /\p{White_Space}/u;
const WORD_CHAR = /[\p{Alphabetic}\p{N}_]/u;

/**
 * Finds added tokens in a text like the Rust `AddedVocabulary`: leftmost-longest matches, then
 * `single_word` filtering and `lstrip`/`rstrip` widening over whitespace.
 */
export class AddedTokenMatcher {
  private readonly pattern: RegExp | null;
  private readonly byContent: Map<string, AddedTokenConfig>;

  constructor(tokens: readonly AddedTokenConfig[]) {
    this.byContent = new Map(tokens.map((token) => [token.content, token]));
    const contents = [...this.byContent.keys()].filter((c) => c.length > 0);
    // In a JS alternation the first alternative that matches wins, so longest first = leftmost-longest.
    contents.sort((a, b) => b.length - a.length);
    this.pattern = contents.length === 0 ? null : new RegExp(contents.map(escapeRegExp).join('|'), 'gu');
  }

  find(text: string): AddedTokenMatch[] {
    const found: AddedTokenMatch[] = [];
    if (this.pattern === null) return found;
    let previousEnd = 0;
    this.pattern.lastIndex = 0;
    for (let match = this.pattern.exec(text); match !== null; match = this.pattern.exec(text)) {
      const token = this.byContent.get(match[0])!;
      let start = match.index;
      let end = start + match[0].length;
      if (token.single_word && !(isWordBoundaryBefore(text, start) && isWordBoundaryAfter(text, end)))
        continue;
      if (token.lstrip) start = Math.max(leadingSpaceStart(text, start), previousEnd);
      if (token.rstrip) {
        end = trailingSpaceEnd(text, end);
        this.pattern.lastIndex = end;
      }
      found.push({ id: token.id, start, end });
      previousEnd = end;
    }
    return found;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function leadingSpaceStart(text: string, start: number): number {
  let i = start;
  while (i > 0 && WHITE_SPACE.test(text[i - 1]!)) i--;
  return i;
}

function trailingSpaceEnd(text: string, end: number): number {
  let i = end;
  while (i < text.length && WHITE_SPACE.test(text[i]!)) i++;
  return i;
}

function isWordBoundaryBefore(text: string, start: number): boolean {
  if (start === 0) return true;
  const before = String.fromCodePoint(
    text.codePointAt(start - 1 - (isLowSurrogateAt(text, start - 1) ? 1 : 0))!,
  );
  return !WORD_CHAR.test(before);
}

function isWordBoundaryAfter(text: string, end: number): boolean {
  return end === text.length || !WORD_CHAR.test(String.fromCodePoint(text.codePointAt(end)!));
}

function isLowSurrogateAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff && index > 0;
}
