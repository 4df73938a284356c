import type { ProblemType } from '@bcmb/datasets';
import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import { fromPretrained, type PretrainedModel } from '@bcmb/modeling';
import type { EncodedExample } from '../collate.js';
import { seededRandom } from '../seed.js';
import { fixtureModelDir } from './reference.js';

/** BERT's [CLS]/[SEP] ids in the tiny fixtures; content ids stay clear of the special range. */
const CLS = 101;
const SEP = 102;
const FIRST_CONTENT_ID = 200;
const CONTENT_IDS = 64;

/**
 * `count` random sequences of 6–15 content tokens wrapped in [CLS] … [SEP]. Single-label examples get a random
 * class (only memorisation fits it); token examples tag each token by its id (`id % numLabels`, -100 on the
 * specials), a per-vocabulary-entry mapping the model has to store.
 */
export function randomExamples(
  count: number,
  kind: ProblemType,
  numLabels: number,
  seed: number,
): EncodedExample[] {
  const random = seededRandom(seed, 'synthetic');
  const int = (n: number) => Math.floor(random() * n);
  return Array.from({ length: count }, () => {
    const content = Array.from({ length: 6 + int(10) }, () => FIRST_CONTENT_ID + int(CONTENT_IDS));
    const inputIds = [CLS, ...content, SEP];
    const label =
      kind === 'token'
        ? [IGNORED_LABEL_ID, ...content.map((id) => id % numLabels), IGNORED_LABEL_ID]
        : int(numLabels);
    return { inputIds, label };
  });
}

/** A tiny fixture checkpoint with dropout as configured (BERT: 0.1). */
export function tinyModel(name: string): Promise<PretrainedModel> {
  return fromPretrained(fixtureModelDir(name), { onWarning: () => {} });
}
