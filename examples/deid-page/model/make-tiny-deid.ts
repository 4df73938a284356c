// Writes the tiny DEID token-classification model the page's tests run (model/): the encoder of the repository's
// tiny random-weight BERT fixture, a classifier over the DEID label set (@bcmb/datasets, research `DEID.id2label`)
// with seeded weights, and the 1024-token WordPiece vocabulary of @bcmb/pipeline's fixtures. Deterministic: the
// same files on every run. It tags words, not PHI: only a real fine-tune (`bcmb finetune --dataset DEID`) does.
//
//   pnpm tsx examples/deid-page/model/make-tiny-deid.ts
import { copyFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWeights, writeSafetensors } from '@bcmb/architectures';
import { writeFileAtomic } from '@bcmb/core';
import { DEID_LABELS } from '@bcmb/datasets';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ENCODER = here('../../../fixtures/models/tiny-bert-tokcls/');
const VOCABULARY = here('../../../packages/pipeline/fixtures/tiny-wordpiece/');
const OUT = here('./');

/** Spread of the classifier weights: large enough that labels vary from word to word. */
const CLASSIFIER_STD = 1;
/** Bias of `O`, so that most words stay untagged as in a real note. */
const OUTSIDE_BIAS = 10;
const SEED = 15;

/** mulberry32: a small seeded generator, so the weights are the same on every machine. */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(count: number, std: number, next: () => number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = std * Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = r * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = r * Math.sin(angle);
  }
  return out;
}

const config = JSON.parse(readFileSync(`${ENCODER}config.json`, 'utf8'));
const labels = [...DEID_LABELS];
config.id2label = Object.fromEntries(labels.map((label, i) => [String(i), label]));
config.label2id = Object.fromEntries(labels.map((label, i) => [label, i]));
delete config.transformers_version;

const { stateDict } = await loadWeights(ENCODER);
const hidden = config.hidden_size as number;
const next = uniform(SEED);
const bias = new Float32Array(labels.length);
bias[labels.indexOf('O')] = OUTSIDE_BIAS;
stateDict.set('classifier.weight', {
  shape: [labels.length, hidden],
  data: normal(labels.length * hidden, CLASSIFIER_STD, next),
});
stateDict.set('classifier.bias', { shape: [labels.length], data: bias });

await writeFileAtomic(`${OUT}config.json`, `${JSON.stringify(config, null, 2)}\n`);
await writeSafetensors(`${OUT}model.safetensors`, stateDict);
for (const file of ['vocab.txt', 'tokenizer_config.json'])
  copyFileSync(`${VOCABULARY}${file}`, `${OUT}${file}`);
console.log(`wrote ${OUT}: ${labels.length} DEID labels, ${stateDict.size} tensors`);
