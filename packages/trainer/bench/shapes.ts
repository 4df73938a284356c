/** The published shapes (bert-base-cased / Bio_ClinicalBERT, answerdotai/ModernBERT-base); benches use random weights. */
export const BENCH_SHAPES: Record<string, Record<string, unknown>> = {
  'bert-base': {
    model_type: 'bert',
    vocab_size: 28996,
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    max_position_embeddings: 512,
  },
  'modernbert-base': {
    model_type: 'modernbert',
    vocab_size: 50368,
    hidden_size: 768,
    num_hidden_layers: 22,
    num_attention_heads: 12,
    intermediate_size: 1152,
    local_attention: 128,
    global_attn_every_n_layers: 3,
    max_position_embeddings: 8192,
    pad_token_id: 50283,
    classifier_pooling: 'mean',
  },
};

/** Token ids in [100, 16000), as the research speed benchmark draws them. */
export function randomIds(count: number, random: () => number): number[] {
  return Array.from({ length: count }, () => 100 + Math.floor(random() * 15900));
}

/**
 * Lengths ~ Normal(256, 64) clamped to [16, 512] (the research `variable_short` set), from a seeded stream:
 * clinical notes' spread of lengths, which the Trainer pads to each batch's longest.
 */
export function variableLengths(count: number, random: () => number): number[] {
  return Array.from({ length: count }, () => {
    const u = Math.max(random(), 1e-12);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.min(512, Math.max(16, Math.round(256 + 64 * normal)));
  });
}

/** A small seeded generator (mulberry32) so every engine sees the same batches. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One bench case: a model shape and its batches (`seq: 'variable'`: lengths ~ Normal(256, 64) in [16, 512]). */
export interface BenchCase {
  model: string;
  batch: number;
  seq: number | 'variable';
}

/** The cases the issue names: both models at 16 × 128 and 8 × 512, and BERT on variable-length batches of 16. */
export const BENCH_CASES: Record<string, BenchCase> = {
  'bert-base:16x128': { model: 'bert-base', batch: 16, seq: 128 },
  'modernbert-base:16x128': { model: 'modernbert-base', batch: 16, seq: 128 },
  'bert-base:8x512': { model: 'bert-base', batch: 8, seq: 512 },
  'modernbert-base:8x512': { model: 'modernbert-base', batch: 8, seq: 512 },
  'bert-base:16xvar': { model: 'bert-base', batch: 16, seq: 'variable' },
};

/**
 * The sequence lengths of every batch of a case, warm-ups first, from their own seeded stream: every engine (each
 * in its own process) sees the same batches.
 */
export function caseLengths(c: BenchCase, batches: number): number[][] {
  const random = seeded(1234);
  return Array.from({ length: batches }, () =>
    c.seq === 'variable' ? variableLengths(c.batch, random) : Array(c.batch).fill(c.seq),
  );
}
