import { stat } from 'node:fs/promises';
import { createProgress } from '@bcmb/core';
import { csvRecords, isPandasNa } from '@bcmb/datasets';
import { MdsWriter } from '@bcmb/mds';
import type { Tokenizer } from '@bcmb/tokenizer';
import { clinicalDocuments } from './clinical-text.js';
import {
  CLINICALBERT_DATA_DEFAULTS,
  type CreateDataOptions,
  createTrainingInstances,
  type TrainingInstance,
} from './create-pretraining-data.js';
import { PretrainDataError } from './errors.js';
import { NOTES_COLUMN } from './prepare.js';

/** The features `write_instance_to_example_files` writes, as MDS columns (one sample per instance). */
export const CLINICALBERT_MDS_COLUMNS = {
  input_ids: 'ndarray:int32',
  input_mask: 'ndarray:int32',
  segment_ids: 'ndarray:int32',
  masked_lm_positions: 'ndarray:int32',
  masked_lm_ids: 'ndarray:int32',
  masked_lm_weights: 'ndarray:float32',
  next_sentence_labels: 'int',
} as const;

/**
 * One instance as google-research/bert `write_instance_to_example_files` encodes it: ids padded with 0 to
 * `max_seq_length`, `input_mask` 1 on real tokens, MLM positions/ids padded with 0 and weights 1.0/0.0 to
 * `max_predictions_per_seq`, `next_sentence_labels` 1 when B is a random next.
 */
export function encodeInstance(
  instance: TrainingInstance,
  tokenToId: (token: string) => number | undefined,
  maxSeqLength: number,
  maxPredictions: number,
): Record<keyof typeof CLINICALBERT_MDS_COLUMNS, unknown> {
  const id = (token: string) => {
    const value = tokenToId(token);
    if (value === undefined)
      throw new PretrainDataError(`Token ${JSON.stringify(token)} is not in the vocabulary`);
    return value;
  };
  const inputIds = new Int32Array(maxSeqLength);
  const inputMask = new Int32Array(maxSeqLength);
  const segmentIds = new Int32Array(maxSeqLength);
  instance.tokens.forEach((token, i) => {
    inputIds[i] = id(token);
    inputMask[i] = 1;
    segmentIds[i] = instance.segmentIds[i] as number;
  });
  const positions = new Int32Array(maxPredictions);
  const ids = new Int32Array(maxPredictions);
  const weights = new Float32Array(maxPredictions);
  instance.maskedLmPositions.forEach((position, i) => {
    positions[i] = position;
    ids[i] = id(instance.maskedLmLabels[i] as string);
    weights[i] = 1;
  });
  return {
    input_ids: inputIds,
    input_mask: inputMask,
    segment_ids: segmentIds,
    masked_lm_positions: positions,
    masked_lm_ids: ids,
    masked_lm_weights: weights,
    next_sentence_labels: instance.isRandomNext ? 1 : 0,
  };
}

export interface ClinicalBertPrepareOptions extends Partial<Omit<CreateDataOptions, 'vocabWords'>> {
  csv: string;
  out: string;
  /** A BERT WordPiece tokenizer (Bio_ClinicalBERT: the cased BioBERT vocab, `do_lower_case=False`). */
  tokenizer: Tokenizer;
  progress?: boolean;
  log?: (line: string) => void;
}

/**
 * The Bio_ClinicalBERT data recipe: the CSV's `notes` → sections → sentences → WordPiece tokens
 * (`clinicalDocuments`) → `createTrainingInstances` (Google BERT semantics, seed 12345 by default) → MDS.
 * Like the script, all documents are held in memory before instances are drawn.
 */
export async function prepareClinicalBert(
  options: ClinicalBertPrepareOptions,
): Promise<{ notes: number; instances: number }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const total = (await stat(options.csv)).size;
  const progress = createProgress({
    label: 'reading notes',
    total,
    unit: 'bytes',
    ...(options.progress === undefined ? {} : { enabled: options.progress }),
  });
  const notes: string[] = [];
  let column = -1;
  let bytes = 0;
  try {
    for await (const { fields } of csvRecords(options.csv, { onBytes: (n) => (bytes = n) })) {
      if (column === -1) {
        column = fields.indexOf(NOTES_COLUMN);
        if (column === -1) {
          throw new PretrainDataError(`The CSV has no "${NOTES_COLUMN}" column`, {
            file: options.csv,
            line: 1,
          });
        }
        continue;
      }
      const note = fields[column] ?? '';
      if (note !== '' && !isPandasNa(note)) notes.push(note);
      progress.update(bytes);
    }
  } finally {
    progress.stop();
  }
  const tokenizer = options.tokenizer;
  const documents = clinicalDocuments(notes, (s) => tokenizer.encode(s, { addSpecialTokens: false }).tokens);
  const vocabWords = vocabularyInOrder(tokenizer);
  const settings = { ...CLINICALBERT_DATA_DEFAULTS, ...options, vocabWords };
  const instances = createTrainingInstances(documents, settings);
  const writer = await MdsWriter.create({ out: options.out, columns: { ...CLINICALBERT_MDS_COLUMNS } });
  const toId = (token: string) => tokenizer.tokenToId(token);
  for (const instance of instances) {
    await writer.write(encodeInstance(instance, toId, settings.maxSeqLength, settings.maxPredictionsPerSeq));
  }
  await writer.finish();
  log(
    `${notes.length} notes → ${documents.length} documents → ${instances.length} instances in ${options.out}`,
  );
  return { notes: notes.length, instances: instances.length };
}

/** `list(tokenizer.vocab.keys())`: tokens by id. */
function vocabularyInOrder(tokenizer: Tokenizer): string[] {
  const words: string[] = [];
  for (let id = 0; ; id++) {
    const token = tokenizer.idToToken(id);
    if (token === undefined) break;
    words.push(token);
  }
  return words;
}
