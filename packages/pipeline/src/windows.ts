/**
 * Long texts as overlapping windows and back. The tokenizer cuts a text into windows (`returnOverflowingTokens` +
 * `stride`, each window with its own special tokens); this module lines the windows up against the text's whole token
 * sequence, picks for every token the window that sees it with the most context, and says how much each window
 * weighs. No Node built-ins: browser bundles reuse it.
 */
import type { Encoding } from '@bcmb/tokenizer';

/** A text's tokens as one sequence: what a model long enough to read it at once would take. */
export interface WholeSequence {
  ids: number[];
  tokens: string[];
  /** [start, end) in the text, UTF-16 units; [0, 0] for special tokens. */
  offsets: Array<[number, number]>;
  specialTokensMask: number[];
  wordIds: Array<number | null>;
}

export interface WindowedText {
  whole: WholeSequence;
  /** The model inputs, in text order: the encoding and its overflowing windows. */
  windows: Encoding[];
  /** For every position of `whole`, the window whose output it takes and the position there. */
  sources: Array<{ window: number; position: number }>;
}

function specialRuns(encoding: Encoding): { lead: number; trail: number } {
  const mask = encoding.specialTokensMask;
  let lead = 0;
  while (lead < mask.length && mask[lead] === 1) lead++;
  if (lead === mask.length) return { lead: mask.length, trail: 0 };
  let trail = 0;
  while (trail < mask.length && mask[mask.length - 1 - trail] === 1) trail++;
  return { lead, trail };
}

/**
 * Lines up the windows of `encoding` (its `overflowing`, made with `stride`) into the whole token sequence and
 * chooses each token's source window: among the windows holding the token, the one where it has the most context
 * on its shorter side (a side that reaches the start or the end of the text counts as complete); on a tie the
 * earlier window. A token seen by one window only takes that window's output. Special tokens come from the first
 * window (leading ones) and the last (trailing ones).
 */
export function alignWindows(encoding: Encoding, stride: number): WindowedText {
  const windows = [encoding, ...(encoding.overflowing ?? [])];
  const runs = windows.map(specialRuns);
  const contentLengths = windows.map((w, k) => w.ids.length - (runs[k]!.lead + runs[k]!.trail));
  const step = (contentLengths[0] as number) - stride;
  const starts = windows.map((_, k) => k * step);
  const total =
    windows.length === 1 ? (contentLengths[0] as number) : starts.at(-1)! + contentLengths.at(-1)!;
  const { lead } = runs[0]!;
  const { trail } = runs.at(-1)!;
  const last = windows.length - 1;

  const whole: WholeSequence = { ids: [], tokens: [], offsets: [], specialTokensMask: [], wordIds: [] };
  const sources: WindowedText['sources'] = [];
  const push = (window: number, position: number) => {
    const w = windows[window] as Encoding;
    whole.ids.push(w.ids[position] as number);
    whole.tokens.push(w.tokens[position] as string);
    whole.offsets.push(w.offsets[position] as [number, number]);
    whole.specialTokensMask.push(w.specialTokensMask[position] as number);
    whole.wordIds.push(w.wordIds[position] ?? null);
    sources.push({ window, position });
  };

  for (let p = 0; p < lead; p++) push(0, p);
  for (let g = 0; g < total; g++) {
    let chosen = -1;
    let bestContext = -1;
    // Windows holding content token g: start_k ≤ g < start_k + length_k.
    const from = step > 0 ? Math.max(0, Math.ceil((g - (contentLengths[0] as number) + 1) / step)) : 0;
    const to = step > 0 ? Math.min(last, Math.floor(g / step)) : last;
    for (let k = from; k <= to; k++) {
      const start = starts[k] as number;
      const end = start + (contentLengths[k] as number);
      if (g < start || g >= end) continue;
      const left = start === 0 ? Number.POSITIVE_INFINITY : g - start;
      const right = end === total ? Number.POSITIVE_INFINITY : end - 1 - g;
      const context = Math.min(left, right);
      if (context > bestContext) {
        bestContext = context;
        chosen = k;
      }
    }
    push(chosen, runs[chosen]!.lead + g - (starts[chosen] as number));
  }
  const lastWindow = windows[last] as Encoding;
  for (let t = trail; t > 0; t--) push(last, lastWindow.ids.length - t);
  return { whole, windows, sources };
}

/** How many tokens each window holds (its weight when window outputs are averaged). */
export function windowWeights(windows: readonly Encoding[]): number[] {
  return windows.map((w) => w.ids.length);
}
