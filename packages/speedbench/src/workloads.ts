import { UnknownWorkloadError } from './errors.js';
import { TORCH_DEFAULT_SEED, TorchCpuGenerator } from './torch-random.js';

/** Research `run_inference_benchmark`: `num_samples = 4096`. */
export const DEFAULT_SAMPLES = 4096;
/** Research `create_variable_*_dataset`: `torch.manual_seed(42)` before drawing lengths. */
export const DEFAULT_SEED = 42;
/** Research: `torch.randint(100, 16000, …)`; the upper bound is exclusive. */
export const TOKEN_ID_LOW = 100;
export const TOKEN_ID_HIGH = 16000;
/** Research: variable lengths are `.clamp(16, max_len)`. */
export const MIN_VARIABLE_LENGTH = 16;

export type WorkloadName =
  | 'fixed_short'
  | 'variable_short'
  | 'fixed_medium'
  | 'variable_medium'
  | 'fixed_long'
  | 'variable_long';

export interface WorkloadSpec {
  name: WorkloadName;
  /** Every sample is padded to this many positions. */
  seqLen: number;
  /** Research `sequence_lengths`: tokens counted per sample for kTok/s. */
  nominalTokensPerSample: number;
  /** Normal(mean, std) lengths for variable sets; absent for fixed ones (every position is a token). */
  lengths?: { mean: number; std: number };
  /** The set exists only for models whose max length is above this (research `create_all_datasets`). */
  requiresMaxLengthAbove: number;
}

const fixedSet = (name: WorkloadName, seqLen: number, requiresMaxLengthAbove: number): WorkloadSpec => ({
  name,
  seqLen,
  nominalTokensPerSample: seqLen,
  requiresMaxLengthAbove,
});

/** The research counts a variable sample as its mean length (`sequence_lengths`: 256, 2048, 4096). */
const variableSet = (
  name: WorkloadName,
  seqLen: number,
  lengths: { mean: number; std: number },
  requiresMaxLengthAbove: number,
): WorkloadSpec => ({ name, seqLen, nominalTokensPerSample: lengths.mean, lengths, requiresMaxLengthAbove });

/** The six sets of the research benchmark, in the order it builds (and draws) them. */
export const WORKLOAD_SPECS: readonly WorkloadSpec[] = [
  fixedSet('fixed_short', 512, 0),
  variableSet('variable_short', 512, { mean: 256, std: 64 }, 0),
  fixedSet('fixed_medium', 4096, 512),
  variableSet('variable_medium', 4096, { mean: 2048, std: 512 }, 512),
  fixedSet('fixed_long', 8192, 4096),
  variableSet('variable_long', 8192, { mean: 4096, std: 1024 }, 4096),
];

export const WORKLOAD_NAMES: readonly WorkloadName[] = WORKLOAD_SPECS.map((spec) => spec.name);

export interface Workload {
  spec: WorkloadSpec;
  samples: number;
  /** Row-major [samples, seqLen]: random ids then `padTokenId`. */
  inputIds: Int32Array;
  /** Row-major [samples, seqLen]: 1 on tokens, 0 on padding. */
  attentionMask: Int32Array;
  /** Real (unpadded) length of each sample. */
  lengths: Int32Array;
  realTokens: number;
}

export interface WorkloadBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  batchSize: number;
  seqLen: number;
}

export interface WorkloadOptions {
  samples?: number;
  /** The tokenizer's pad id (research `tokenizer.pad_token_id`). */
  padTokenId: number;
  /** The model's usable max length; decides which sets exist. */
  maxLength: number;
  seed?: number;
}

export function workloadSpec(name: string): WorkloadSpec {
  const spec = WORKLOAD_SPECS.find((candidate) => candidate.name === name);
  if (spec === undefined) throw new UnknownWorkloadError(name);
  return spec;
}

/** The sets the research builds for a model of this max length. */
export function workloadsForMaxLength(maxLength: number): WorkloadSpec[] {
  return WORKLOAD_SPECS.filter((spec) => maxLength > spec.requiresMaxLengthAbove);
}

/**
 * Builds the requested sets exactly as the research process draws them from torch's CPU generator:
 * the fixed sets continue the stream of a fresh process (never seeded), each variable set first calls
 * `manual_seed(seed)`, and sets that are skipped (not requested) still advance the stream, so a set
 * holds the same ids whichever others are requested. Sets the model's max length excludes are dropped.
 */
export function generateWorkloads(names: readonly string[], options: WorkloadOptions): Workload[] {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  const wanted = new Set(names.map((name) => workloadSpec(name).name));
  const generator = new TorchCpuGenerator(TORCH_DEFAULT_SEED);
  const workloads: Workload[] = [];
  for (const spec of workloadsForMaxLength(options.maxLength)) {
    if (spec.lengths !== undefined) generator.manualSeed(seed);
    const lengths = drawLengths(generator, spec, samples);
    if (wanted.has(spec.name)) {
      workloads.push(fillWorkload(generator, spec, lengths, options.padTokenId));
    } else {
      generator.skip(lengths.reduce((sum, length) => sum + length, 0));
    }
  }
  return workloads;
}

function drawLengths(generator: TorchCpuGenerator, spec: WorkloadSpec, samples: number): Int32Array {
  if (spec.lengths === undefined) return new Int32Array(samples).fill(spec.seqLen);
  const drawn = generator.normal(samples, spec.lengths.mean, spec.lengths.std);
  // `.int()` truncates toward zero, then `.clamp(16, seq_len)`.
  return Int32Array.from(drawn, (value) =>
    Math.min(spec.seqLen, Math.max(MIN_VARIABLE_LENGTH, Math.trunc(value))),
  );
}

function fillWorkload(
  generator: TorchCpuGenerator,
  spec: WorkloadSpec,
  lengths: Int32Array,
  padTokenId: number,
): Workload {
  const samples = lengths.length;
  const inputIds = new Int32Array(samples * spec.seqLen).fill(padTokenId);
  const attentionMask = new Int32Array(samples * spec.seqLen);
  let realTokens = 0;
  for (let row = 0; row < samples; row++) {
    const length = lengths[row]!;
    const start = row * spec.seqLen;
    generator.randintInto(inputIds, start, length, TOKEN_ID_LOW, TOKEN_ID_HIGH);
    attentionMask.fill(1, start, start + length);
    realTokens += length;
  }
  return { spec, samples, inputIds, attentionMask, lengths, realTokens };
}

/** Rows `[start, start + size)` as views (no copy); the last batch may be shorter, as in the research loop. */
export function workloadBatch(workload: Workload, start: number, size: number): WorkloadBatch {
  const end = Math.min(start + size, workload.samples);
  const { seqLen } = workload.spec;
  return {
    inputIds: workload.inputIds.subarray(start * seqLen, end * seqLen),
    attentionMask: workload.attentionMask.subarray(start * seqLen, end * seqLen),
    batchSize: end - start,
    seqLen,
  };
}

/** Real tokens in rows `[start, start + size)`. */
export function realTokensIn(workload: Workload, start: number, size: number): number {
  let sum = 0;
  for (let row = start; row < Math.min(start + size, workload.samples); row++) sum += workload.lengths[row]!;
  return sum;
}

/** The real length of every sample of a set, without drawing its token ids. */
export function workloadLengths(name: string, samples = DEFAULT_SAMPLES, seed = DEFAULT_SEED): Int32Array {
  const spec = workloadSpec(name);
  return drawLengths(new TorchCpuGenerator(seed), spec, samples);
}
