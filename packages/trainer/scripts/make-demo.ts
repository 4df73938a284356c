/**
 * Writes the bundled demo: a synthetic ChemProt-format sample (BLUE tsv: index, sentence, label) whose relation
 * label follows the verb phrase between @CHEMICAL$ and @GENE$, and a tiny BERT config with a WordPiece vocabulary
 * covering exactly those sentences. Deterministic: `pnpm tsx scripts/make-demo.ts` rewrites identical files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import seedrandom from 'seedrandom';

const demoDir = fileURLToPath(new URL('../demo/', import.meta.url));
const random = seedrandom.alea('bcmb-demo');
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const PHRASES: Record<string, string[]> = {
  'CPR:3': [
    'activates',
    'upregulates',
    'induces',
    'increases the expression of',
    'stimulates',
    'enhances the activity of',
  ],
  'CPR:4': [
    'inhibits',
    'downregulates',
    'suppresses',
    'decreases the expression of',
    'reduces the activity of',
  ],
  'CPR:5': ['is an agonist of', 'acts as an agonist at', 'is a potent agonist for', 'agonizes'],
  'CPR:6': [
    'is an antagonist of',
    'acts as an antagonist at',
    'is a selective antagonist for',
    'antagonizes',
  ],
  'CPR:9': ['is a substrate of', 'is metabolized by', 'is converted by', 'is hydrolyzed by'],
  false: [
    'was measured together with',
    'was studied alongside',
    'showed no effect on',
    'was not associated with',
  ],
};
// ChemProt is dominated by `false` pairs; keep that flavour.
const LABEL_WEIGHTS: [string, number][] = [
  ['CPR:3', 2],
  ['CPR:4', 3],
  ['CPR:5', 1],
  ['CPR:6', 1],
  ['CPR:9', 2],
  ['false', 5],
];
const PREFIXES = ['', 'in vitro ,', 'in this study ,', 'we found that', 'our results show that', 'notably ,'];
const SUFFIXES = [
  '',
  'in cultured cells',
  'in rat liver',
  'in human patients',
  'at low doses',
  'in a dose - dependent manner',
];

function label(): string {
  const total = LABEL_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  let draw = random() * total;
  for (const [name, weight] of LABEL_WEIGHTS) {
    draw -= weight;
    if (draw < 0) return name;
  }
  return 'false';
}

function sentence(relation: string): string {
  const parts = [pick(PREFIXES), '@CHEMICAL$', pick(PHRASES[relation]!), '@GENE$', pick(SUFFIXES)];
  const text = parts.filter((part) => part !== '').join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)} .`;
}

function split(name: string, count: number): string[] {
  const rows = ['index\tsentence\tlabel'];
  for (let i = 0; i < count; i++) {
    const relation = label();
    rows.push(`demo-${name}.${i}\t${sentence(relation)}\t${relation}`);
  }
  return rows;
}

const splits = { train: split('train', 360), dev: split('dev', 90), test: split('test', 90) };
const dataDir = join(demoDir, 'data', 'ChemProt');
mkdirSync(dataDir, { recursive: true });
for (const [name, rows] of Object.entries(splits))
  writeFileSync(join(dataDir, `${name}.tsv`), `${rows.join('\n')}\n`);

// The words BERT's basic tokenizer produces from these sentences (lower-cased, punctuation split off).
const words = new Set<string>();
for (const rows of Object.values(splits)) {
  for (const row of rows.slice(1)) {
    for (const word of row
      .split('\t')[1]!
      .toLowerCase()
      .split(/\s+|(?=[@$.,-])|(?<=[@$.,-])/)) {
      if (word !== '') words.add(word);
    }
  }
}
const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...[...words].sort()];
const modelDir = join(demoDir, 'model');
mkdirSync(modelDir, { recursive: true });
writeFileSync(join(modelDir, 'vocab.txt'), `${vocab.join('\n')}\n`);
writeFileSync(
  join(modelDir, 'tokenizer_config.json'),
  `${JSON.stringify({ do_lower_case: true, model_max_length: 64, tokenizer_class: 'BertTokenizer' }, null, 2)}\n`,
);
writeFileSync(
  join(modelDir, 'config.json'),
  `${JSON.stringify(
    {
      architectures: ['BertForSequenceClassification'],
      model_type: 'bert',
      vocab_size: vocab.length,
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      hidden_act: 'gelu',
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
      max_position_embeddings: 64,
      type_vocab_size: 2,
      initializer_range: 0.02,
      layer_norm_eps: 1e-12,
      pad_token_id: 0,
    },
    null,
    2,
  )}\n`,
);
console.log(
  `demo: ${vocab.length} vocabulary entries, splits ${Object.values(splits).map((r) => r.length - 1)}`,
);
