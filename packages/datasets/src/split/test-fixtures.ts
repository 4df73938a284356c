// Typed readers for the split fixtures copied from shared/fixtures/reference/splits (used by tests only).
import { readFileSync } from 'node:fs';

export interface RngSeedVectors {
  SeedSequence_pool_u32: number[];
  SeedSequence_generate_state_4_uint32: number[];
  SeedSequence_generate_state_4_uint64_hex: string[];
  PCG64_initial_state_hex: string;
  PCG64_inc_hex: string;
  PCG64_first20_uint64_hex: string[];
  PCG64_first20_next_uint32: number[];
  MT19937_RandomState_key0_4: number[];
  MT19937_RandomState_first20_uint32: number[];
  default_rng_permutation: Record<string, number[]>;
  RandomState_permutation: Record<string, number[]>;
  default_rng_permutation10_swaps_i_j: [number, number][];
  RandomState_permutation10_swaps_i_j: [number, number][];
}

export interface RecordedError {
  type: string;
  message: string;
  stage: 'split1' | 'split2';
}

interface Stage {
  test_size: number;
  n_test: number;
  n_train: number;
  /** `permutation_default_rng_42` (hf) or `permutation_RandomState_42` (sklearn). */
  [permutationKey: `permutation_${string}`]: number[];
}

export interface SplitCase {
  n: number;
  split1?: Stage & { seed?: number; random_state?: number; train: number[]; test: number[] };
  split2?: Stage & { applied_to: string; train_local: number[]; test_local: number[] };
  final?: { train: number[]; validation: number[]; test: number[] };
  error?: RecordedError;
}

function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/splits/${name}`, import.meta.url), 'utf8')) as T;
}

export function rngVectors(): Record<string, RngSeedVectors> {
  return readFixture<{ seeds: Record<string, RngSeedVectors> }>('rng_vectors.json').seeds;
}

export interface PermutationSummary {
  n: number;
  head: number[];
  tail: number[];
  /** sum((i + 1) * perm[i]) */
  weighted_sum: number;
}

export interface ExtraVectors {
  seed_sequence_pools: Record<string, number[]>;
  large_permutations: { default_rng_42: PermutationSummary; RandomState_42: PermutationSummary };
}

/** Values from gen_extra_vectors.py (numpy): wide seeds and 100k-long permutations. */
export function extraVectors(): ExtraVectors {
  return readFixture<ExtraVectors>('extra_vectors.json');
}

export function splitCases(name: string): SplitCase[] {
  return readFixture<{ cases: SplitCase[] }>(name).cases;
}

/** The permutation a stage recorded, whichever generator produced it. */
export function stagePermutation(stage: Stage): number[] {
  const entry = Object.entries(stage).find(([key]) => key.startsWith('permutation_'));
  if (entry === undefined) throw new Error('fixture stage has no permutation');
  return entry[1] as number[];
}

export const hex = (value: bigint): string => `0x${value.toString(16)}`;
