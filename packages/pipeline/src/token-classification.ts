/**
 * Token scores → entities, with the rules of transformers' `TokenClassificationPipeline`
 * (`pipelines/token_classification.py`: `gather_pre_entities`, `aggregate`, `aggregate_words`, `group_entities`),
 * except that character offsets are UTF-16 indices of the JavaScript string (`text.slice(start, end)`) where
 * Python counts code points. No Node built-ins: browser bundles reuse it.
 */
import { argmax } from '@bcmb/metrics';
import { labelOf } from './text-classification.js';

/** transformers' `aggregation_strategy`. */
export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';

export const AGGREGATION_STRATEGIES: readonly AggregationStrategy[] = [
  'none',
  'simple',
  'first',
  'average',
  'max',
];

/** One token's prediction (`aggregationStrategy: 'none'`). */
export interface TokenEntity {
  /** The label, as config.json `id2label` names it (`B-PROBLEM`). */
  entity: string;
  score: number;
  /** Position of the token in the model input, `[CLS]` being 0 (over the whole text when it was windowed). */
  index: number;
  /** The token as the vocabulary spells it (`##formin`, `Ġdenies`); the text itself for `[UNK]`. */
  word: string;
  /** [start, end) of the token in the text, UTF-16 units. */
  start: number;
  end: number;
}

/** Adjacent tokens or words sharing an entity type (every strategy but `none`). */
export interface EntityGroup {
  /** The type without its `B-`/`I-` prefix (`PROBLEM`). */
  entity_group: string;
  /** Mean of the members' scores. */
  score: number;
  /** The members' tokens decoded back to text (`convert_tokens_to_string`). */
  word: string;
  start: number;
  end: number;
}

export type TokenClassificationOutput = TokenEntity | EntityGroup;

/** A token of the text with the probabilities of every label (softmax of its logits). */
export interface ScoredToken {
  /** Position in the model input (`[CLS]` = 0). */
  index: number;
  id: number;
  /** Special tokens ([CLS], [SEP]) are skipped, as `special_tokens_mask` skips them in transformers. */
  special: boolean;
  /** [start, end) in the text, UTF-16 units. */
  start: number;
  end: number;
  scores: ArrayLike<number>;
}

/** What aggregation needs from the tokenizer (a `@bcmb/tokenizer` `Tokenizer` has all of it). */
export interface TokenVocabulary {
  idToToken(id: number): string | undefined;
  readonly unkTokenId: number | undefined;
  /** `##` for WordPiece: word-aware; `null` (byte-level BPE) falls back to transformers' whitespace heuristic. */
  readonly continuingSubwordPrefix: string | null;
  convertTokensToString(tokens: readonly string[]): string;
}

export interface TokenClassificationOptions {
  aggregationStrategy?: AggregationStrategy;
  /** Labels (or entity groups) left out of the result; default `['O']`, as transformers. */
  ignoreLabels?: readonly string[];
}

/** A token ready for aggregation (transformers' `pre_entity`). */
export interface PreEntity {
  word: string;
  scores: ArrayLike<number>;
  start: number;
  end: number;
  index: number;
  isSubword: boolean;
}

/** A token or word with its label (transformers' entity before grouping). */
export interface LabelledEntity {
  entity: string;
  score: number;
  word: string;
  start: number;
  end: number;
  index?: number;
}

const codePoints = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * transformers' `gather_pre_entities`: special tokens dropped; a token is a sub-word when the vocabulary spells it
 * with another length than its text (word-aware tokenizers, `##formin` vs `formin`, counted in code points as
 * Python does), else — byte-level BPE — when it starts after position 0 and neither it nor the character before it
 * is a space; `[UNK]` takes its text as its word and starts a word.
 */
export function gatherPreEntities(
  text: string,
  tokens: readonly ScoredToken[],
  vocabulary: TokenVocabulary,
): PreEntity[] {
  const wordAware = Boolean(vocabulary.continuingSubwordPrefix);
  const entities: PreEntity[] = [];
  for (const token of tokens) {
    if (token.special) continue;
    let word = vocabulary.idToToken(token.id) ?? '';
    const wordRef = text.slice(token.start, token.end);
    let isSubword = wordAware
      ? codePoints(word) !== codePoints(wordRef)
      : token.start > 0 && text[token.start - 1] !== ' ' && text[token.start] !== ' ';
    if (token.id === vocabulary.unkTokenId) {
      word = wordRef;
      isSubword = false;
    }
    entities.push({
      word,
      scores: token.scores,
      start: token.start,
      end: token.end,
      index: token.index,
      isSubword,
    });
  }
  return entities;
}

function best(scores: ArrayLike<number>, where: string): { id: number; score: number } {
  const id = argmax(scores, where);
  return { id, score: scores[id] as number };
}

/** transformers' `aggregate_word`: one label for a word's tokens. */
function aggregateWord(
  group: readonly PreEntity[],
  strategy: 'first' | 'average' | 'max',
  id2label: Record<string, string>,
  vocabulary: TokenVocabulary,
): LabelledEntity {
  const first = group[0] as PreEntity;
  let chosen: { id: number; score: number };
  if (strategy === 'first') {
    chosen = best(first.scores, `token ${first.index} scores`);
  } else if (strategy === 'max') {
    // Python's max(): the first token whose top score is largest.
    let winner = first;
    let top = Math.max(...Array.from(first.scores));
    for (const entity of group.slice(1)) {
      const value = Math.max(...Array.from(entity.scores));
      if (value > top) {
        winner = entity;
        top = value;
      }
    }
    chosen = best(winner.scores, `token ${winner.index} scores`);
  } else {
    const mean = new Float64Array(first.scores.length);
    for (const entity of group)
      for (let c = 0; c < mean.length; c++) mean[c] = (mean[c] as number) + (entity.scores[c] as number);
    for (let c = 0; c < mean.length; c++) mean[c] = (mean[c] as number) / group.length;
    chosen = best(mean, `word at token ${first.index} mean scores`);
  }
  return {
    entity: labelOf(id2label, chosen.id),
    score: chosen.score,
    word: vocabulary.convertTokensToString(group.map((entity) => entity.word)),
    start: first.start,
    end: (group[group.length - 1] as PreEntity).end,
  };
}

/** transformers' `get_tag`: `B-X` → (B, X), `I-X` → (I, X), anything else → (I, label). */
function tagOf(label: string): [string, string] {
  if (label.startsWith('B-')) return ['B', label.slice(2)];
  if (label.startsWith('I-')) return ['I', label.slice(2)];
  return ['I', label];
}

/** transformers' `group_sub_entities`. */
function groupOf(members: readonly LabelledEntity[], vocabulary: TokenVocabulary): EntityGroup {
  const first = members[0] as LabelledEntity;
  const dash = first.entity.indexOf('-');
  return {
    entity_group: dash === -1 ? first.entity : first.entity.slice(dash + 1),
    score: members.reduce((sum, member) => sum + member.score, 0) / members.length,
    word: vocabulary.convertTokensToString(members.map((member) => member.word)),
    start: first.start,
    end: (members[members.length - 1] as LabelledEntity).end,
  };
}

/**
 * transformers' `group_entities`: a member joins the open group when it has the group's last member's type and
 * does not start with `B-`; labels without a prefix count as `I-`. `O` runs group too (and are dropped later by
 * `ignoreLabels`).
 */
export function groupEntities(
  entities: readonly LabelledEntity[],
  vocabulary: TokenVocabulary,
): EntityGroup[] {
  const groups: EntityGroup[] = [];
  let open: LabelledEntity[] = [];
  for (const entity of entities) {
    if (open.length === 0) {
      open.push(entity);
      continue;
    }
    const [bi, tag] = tagOf(entity.entity);
    const [, lastTag] = tagOf((open[open.length - 1] as LabelledEntity).entity);
    if (tag === lastTag && bi !== 'B') open.push(entity);
    else {
      groups.push(groupOf(open, vocabulary));
      open = [entity];
    }
  }
  if (open.length > 0) groups.push(groupOf(open, vocabulary));
  return groups;
}

/**
 * transformers' `aggregate`: `none` labels each token (argmax of its scores); `simple` does the same and groups;
 * `first`, `average` and `max` first give every word (a token and the sub-word tokens after it) one label — from
 * its first token, from the mean of its tokens' scores, or from its most confident token — and then group words.
 */
export function aggregate(
  pre: readonly PreEntity[],
  strategy: AggregationStrategy,
  id2label: Record<string, string>,
  vocabulary: TokenVocabulary,
): TokenClassificationOutput[] {
  if (strategy === 'none' || strategy === 'simple') {
    const tokens: TokenEntity[] = pre.map((entity) => {
      const { id, score } = best(entity.scores, `token ${entity.index} scores`);
      return {
        entity: labelOf(id2label, id),
        score,
        index: entity.index,
        word: entity.word,
        start: entity.start,
        end: entity.end,
      };
    });
    return strategy === 'none' ? tokens : groupEntities(tokens, vocabulary);
  }
  const words: LabelledEntity[] = [];
  let group: PreEntity[] = [];
  for (const entity of pre) {
    if (group.length > 0 && !entity.isSubword) {
      words.push(aggregateWord(group, strategy, id2label, vocabulary));
      group = [];
    }
    group.push(entity);
  }
  if (group.length > 0) words.push(aggregateWord(group, strategy, id2label, vocabulary));
  return groupEntities(words, vocabulary);
}

/**
 * The entities of one text from its tokens' label probabilities: transformers' `postprocess` (gather, aggregate,
 * drop `ignoreLabels`).
 */
export function aggregateTokens(
  text: string,
  tokens: readonly ScoredToken[],
  id2label: Record<string, string>,
  vocabulary: TokenVocabulary,
  options: TokenClassificationOptions = {},
): TokenClassificationOutput[] {
  const ignore = new Set(options.ignoreLabels ?? ['O']);
  return aggregate(
    gatherPreEntities(text, tokens, vocabulary),
    options.aggregationStrategy ?? 'none',
    id2label,
    vocabulary,
  ).filter((entity) => !ignore.has('entity' in entity ? entity.entity : entity.entity_group));
}
