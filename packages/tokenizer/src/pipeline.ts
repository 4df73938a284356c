import { type AddedTokenConfig, type AddedTokenMatch, AddedTokenMatcher } from './added-tokens.js';
import { AlignedText } from './aligned-text.js';
import type { WordModel } from './models.js';
import type { Normalizer } from './normalizers.js';
import type { PreTokenizer } from './pre-tokenizers.js';

/** The tokens of one sequence before post-processing (truncation, special tokens, padding). */
export interface TokenSequence {
  ids: number[];
  tokens: string[];
  /** Flat [start, end) pairs in UTF-16 units of the sequence's own string: token k at 2k, 2k + 1. */
  offsets: number[];
  wordIds: number[];
}

export function emptySequence(): TokenSequence {
  return { ids: [], tokens: [], offsets: [], wordIds: [] };
}

/**
 * The stages that turn one string into tokens, in the order the Rust library runs them:
 * added tokens on the raw text → normalizer → added tokens on the normalized text →
 * pre-tokenizer → model. Offsets are carried through every stage.
 */
export class TokenPipeline {
  private readonly rawTokens: AddedTokenMatcher;
  private readonly normalizedTokens: AddedTokenMatcher;

  constructor(
    addedTokens: readonly AddedTokenConfig[],
    private readonly normalizer: Normalizer | null,
    private readonly preTokenizer: PreTokenizer | null,
    private readonly model: WordModel,
  ) {
    const isNormalized = (t: AddedTokenConfig) => t.normalized ?? !t.special;
    this.rawTokens = new AddedTokenMatcher(addedTokens.filter((t) => !isNormalized(t)));
    // Normalized added tokens are looked for in normalized text, so their content is normalized too.
    this.normalizedTokens = new AddedTokenMatcher(
      addedTokens.filter(isNormalized).map((t) => ({
        ...t,
        content: normalizer ? normalizer(AlignedText.identity(t.content)).text : t.content,
      })),
    );
  }

  /**
   * Appends the tokens of `text` to `out`. Word ids count the final splits of `text`, as Rust does,
   * unless `fixedWordId` is given (pre-split input: every token gets the input word's index).
   *
   * With `limit`, tokenization stops after the first model-tokenized word that brings this call's
   * token count to `limit` or more: the Rust library's `tokenize_with_limit`, which it runs for every
   * sequence when right-side truncation is on. It matters: 'longest_first' then splits a pair by
   * these shortened lengths.
   */
  tokenize(
    text: string,
    out: TokenSequence,
    fixedWordId?: number,
    limit = Number.POSITIVE_INFINITY,
  ): TokenSequence {
    let split = 0;
    const initialLength = out.ids.length;
    let done = false;
    const wordId = () => fixedWordId ?? split;
    const pushAddedToken = (id: number, token: string, start: number, end: number) => {
      out.ids.push(id);
      out.tokens.push(token);
      out.offsets.push(start, end);
      out.wordIds.push(wordId());
      split++;
    };
    const raw = AlignedText.identity(text);
    forEachSegment(text, this.rawTokens.find(text), (from, to, match) => {
      if (done) return;
      if (match !== undefined) {
        pushAddedToken(match.id, text.slice(from, to), from, to);
        return;
      }
      const segment = raw.slice(from, to);
      const normalized = this.normalizer ? this.normalizer(segment) : segment;
      if (normalized.length === 0) return;
      const normalizedText = normalized.text;
      forEachSegment(normalizedText, this.normalizedTokens.find(normalizedText), (a, b, inner) => {
        if (done) return;
        if (inner !== undefined) {
          pushAddedToken(
            inner.id,
            normalizedText.slice(a, b),
            normalized.sourceStart(a),
            normalized.sourceEnd(b - 1),
          );
          return;
        }
        const piece = normalized.slice(a, b);
        const visitWord = (word: AlignedText): boolean => {
          if (word.length === 0) return true;
          const { ids, tokens, spans } = this.model(word.text);
          const id = wordId();
          for (let k = 0; k < ids.length; k++) {
            out.ids.push(ids[k]!);
            out.tokens.push(tokens[k]!);
            out.offsets.push(word.sourceStart(spans[2 * k]!), word.sourceEnd(spans[2 * k + 1]! - 1));
            out.wordIds.push(id);
          }
          split++;
          done = out.ids.length - initialLength >= limit;
          return !done;
        };
        if (this.preTokenizer) this.preTokenizer(piece, visitWord);
        else visitWord(piece);
      });
    });
    return out;
  }
}

/** Calls `visit` for the gaps between matches (without a match) and for each match, in order. */
function forEachSegment(
  text: string,
  matches: readonly AddedTokenMatch[],
  visit: (from: number, to: number, match?: AddedTokenMatch) => void,
): void {
  let position = 0;
  for (const match of matches) {
    if (match.start > position) visit(position, match.start);
    visit(match.start, match.end, match);
    position = match.end;
  }
  if (position < text.length) visit(position, text.length);
}
