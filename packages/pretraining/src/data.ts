import { Pcg64Dxsm, permutation } from '@bcmb/datasets';
import type { MdsDataset, NdArray } from '@bcmb/mds';
import { IGNORED_LABEL_ID } from '@bcmb/metrics';
import type { MlmBatch, MlmSequence } from './engine.js';
import { PretrainDataError } from './errors.js';
import { hfCollatorMlmMasking, packerMlmMasking } from './masking.js';
import { NumpyGenerator } from './numpy-random.js';
import { GreedyBestFitPacker } from './packer.js';

// ModernBERT src/text_data.py: buffer_size = cfg.get("packing_buffer_size", 5 * device_batch_size).
export const PACKING_BUFFER_FACTOR = 5;

/**
 * ModernBERT `NoStreamingDataset.__getitem__`: the `input_ids` column (any integer ndarray) truncated to
 * `max_seq_len`.
 */
export async function readTokenSample(
  dataset: MdsDataset,
  index: number,
  maxSeqLen: number,
): Promise<Int32Array> {
  const sample = await dataset.get(index);
  const ids = sample.input_ids as NdArray | undefined;
  if (ids === undefined || typeof ids !== 'object' || !('data' in ids) || typeof ids.data[0] === 'bigint') {
    throw new PretrainDataError(`MDS sample ${index} has no integer ndarray input_ids column`, {
      file: dataset.dir,
      hint: 'Write the data with bcmb pretrain prepare (columns {input_ids: ndarray:uint16})',
    });
  }
  const data = ids.data as ArrayLike<number>;
  const length = Math.min(data.length, maxSeqLen);
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = data[i] as number;
  return out;
}

export interface PackedLoaderOptions {
  dataset: MdsDataset;
  maxSeqLen: number;
  globalBatchSize: number;
  microBatchSize: number;
  mlmProbability: number;
  shuffle: boolean;
  /** `train_loader.dataset.shuffle_seed`: sample order and the packer's masking RNG (`default_rng(epoch + seed)`). */
  shuffleSeed: number;
  padTokenId: number;
  maskTokenId: number;
}

/**
 * ModernBERT's `DistributedSamplerPCG64DXSM` on one process: `Generator(PCG64DXSM(seed + epoch)).permutation(n)`
 * when shuffling, else 0..n-1.
 */
export function sampleOrder(size: number, shuffle: boolean, seed: number, epoch: number): number[] {
  return shuffle
    ? permutation(Pcg64Dxsm.fromSeed(seed + epoch), size)
    : Array.from({ length: size }, (_, i) => i);
}

/**
 * The training stream of the BioClinical configs (`streaming: false`, `sequence_packing: true`): samples in a
 * per-epoch shuffled order (`sampleOrder`), incoming batches of `global_train_batch_size`, GreedyBestFit packing into
 * `global/micro` rows of `micro * max_seq_len` tokens, packer masking with `default_rng(epoch + shuffle_seed)`.
 * Epochs follow each other until the caller stops. Deterministic: replaying it gives the same batches.
 */
export async function* packedMlmBatches(
  options: PackedLoaderOptions,
): AsyncGenerator<MlmBatch & { epoch: number }> {
  const { dataset, globalBatchSize, microBatchSize, maxSeqLen } = options;
  if (dataset.size === 0)
    throw new PretrainDataError('The training MDS split has no samples', { file: dataset.dir });
  for (let epoch = 0; ; epoch++) {
    const order = sampleOrder(dataset.size, options.shuffle, options.shuffleSeed, epoch);
    async function* incoming(): AsyncGenerator<Int32Array[]> {
      for (let start = 0; start < order.length; start += globalBatchSize) {
        const batch: Int32Array[] = [];
        for (const index of order.slice(start, start + globalBatchSize)) {
          batch.push(await readTokenSample(dataset, index, maxSeqLen));
        }
        yield batch;
      }
    }
    const packer = new GreedyBestFitPacker(incoming(), {
      srcBatchSize: globalBatchSize,
      outBatchSize: globalBatchSize / microBatchSize,
      outPseqLen: microBatchSize * maxSeqLen,
      bufferSize: PACKING_BUFFER_FACTOR * globalBatchSize,
      padTokenId: options.padTokenId,
    });
    const rng = new NumpyGenerator(options.shuffleSeed + epoch);
    let emitted = 0;
    for (;;) {
      const packed = await packer.next();
      if (packed === null) break;
      emitted++;
      const { inputIds, labels } = packerMlmMasking(
        packed.ids,
        options.mlmProbability,
        options.maskTokenId,
        options.padTokenId,
        rng,
      );
      const rows: MlmSequence[][] = [];
      let tokens = 0;
      for (let r = 0; r < packed.rows; r++) {
        const cu = packed.cuSeqlens[r] as number[];
        const row: MlmSequence[] = [];
        const base = r * packed.rowLength;
        for (let k = 0; k + 1 < cu.length; k++) {
          const begin = base + (cu[k] as number);
          const end = base + (cu[k + 1] as number);
          // The last span of a padded row is padding, not a sequence.
          if (k === cu.length - 2 && isPadding(packed.ids, begin, end, options.padTokenId)) continue;
          row.push({ inputIds: inputIds.slice(begin, end), labels: labels.slice(begin, end) });
          tokens += end - begin;
        }
        rows.push(row);
      }
      yield { rows, tokens, sequences: packed.sequences, epoch };
    }
    if (emitted === 0) {
      throw new PretrainDataError(
        `The training split cannot fill one batch of ${globalBatchSize / microBatchSize} packed rows`,
        { file: dataset.dir, hint: 'Lower global_train_batch_size or add data' },
      );
    }
  }
}

function isPadding(ids: Int32Array, begin: number, end: number, pad: number): boolean {
  for (let i = begin; i < end; i++) if (ids[i] !== pad) return false;
  return true;
}

/**
 * The eval split as ModernBERT evaluates it (`sequence_packing: false`): every sample truncated to max_seq_len,
 * masked by the HF collator rules at `mlm_probability` (0.15 in the research configs), with a fixed seed so every
 * evaluation of a run sees the same masks.
 */
export async function evalSequences(
  dataset: MdsDataset,
  options: {
    maxSeqLen: number;
    mlmProbability: number;
    maskTokenId: number;
    vocabSize: number;
    isSpecial: (id: number) => boolean;
    seed: number;
  },
): Promise<MlmSequence[]> {
  const rng = new NumpyGenerator(options.seed);
  const out: MlmSequence[] = [];
  for (let i = 0; i < dataset.size; i++) {
    const ids = await readTokenSample(dataset, i, options.maxSeqLen);
    out.push(
      hfCollatorMlmMasking(
        ids,
        options.mlmProbability,
        options.maskTokenId,
        options.isSpecial,
        options.vocabSize,
        rng,
      ),
    );
  }
  return out;
}

/**
 * One sample of the Bio_ClinicalBERT instance MDS (`prepareClinicalBert`, the features of
 * `write_instance_to_example_files`) as a sequence of the pre-training task: the real tokens (`input_mask`),
 * labels at the masked positions whose weight is 1, segment ids and the next-sentence label.
 */
export async function clinicalBertSequence(dataset: MdsDataset, index: number): Promise<MlmSequence> {
  const sample = await dataset.get(index);
  const column = (name: string): ArrayLike<number> => {
    const value = sample[name] as NdArray | undefined;
    if (value === undefined || typeof value !== 'object' || !('data' in value))
      throw new PretrainDataError(`MDS sample ${index} has no ndarray column ${name}`, {
        file: dataset.dir,
        hint: 'Write the data with bcmb pretrain prepare-clinicalbert',
      });
    return value.data as ArrayLike<number>;
  };
  const ids = column('input_ids');
  const mask = column('input_mask');
  const segments = column('segment_ids');
  const positions = column('masked_lm_positions');
  const labelIds = column('masked_lm_ids');
  const weights = column('masked_lm_weights');
  let length = 0;
  while (length < mask.length && mask[length] === 1) length++;
  const labels = new Int32Array(length).fill(IGNORED_LABEL_ID);
  for (let i = 0; i < positions.length; i++)
    if ((weights[i] as number) > 0) labels[positions[i] as number] = labelIds[i] as number;
  return {
    inputIds: Int32Array.from({ length }, (_, i) => ids[i] as number),
    labels,
    tokenTypeIds: Int32Array.from({ length }, (_, i) => segments[i] as number),
    nextSentenceLabel: Number(sample.next_sentence_labels),
  };
}
