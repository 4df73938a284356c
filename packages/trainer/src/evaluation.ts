import { createProgress } from '@bcmb/core';
import type { ProblemType } from '@bcmb/datasets';
import {
  computeMultiLabelMetrics,
  computeSingleLabelMetrics,
  computeTokenClassificationMetrics,
} from '@bcmb/metrics';
import { batchIndices, collateArrays, type EncodedExample } from './collate.js';
import type { TrainingEngine } from './engines/engine.js';
import type { LogEntry } from './log.js';
import { roundTo } from './log.js';

/** Logits per example ([C], or [L·C] row-major for token tasks, trimmed to the example's length) and labels. */
export interface EvalPrediction {
  logits: Float32Array[];
  labels: (number | number[])[];
  numLabels: number;
}

export type ComputeMetrics = (prediction: EvalPrediction) => Record<string, number>;

/** `metric_for_best_model` of the research code: weighted F1 for sequence tasks, seqeval F1 for token tasks. */
export function bestMetricFor(kind: ProblemType): 'weighted_f1' | 'f1' {
  return kind === 'token' ? 'f1' : 'weighted_f1';
}

function rows(flat: Float32Array, width: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let start = 0; start < flat.length; start += width) out.push(flat.subarray(start, start + width));
  return out;
}

/** The research code's compute_metrics for each task kind, key order included. */
export function taskMetrics(kind: ProblemType, labelNames: readonly string[]): ComputeMetrics {
  return ({ logits, labels, numLabels }) => {
    switch (kind) {
      case 'single_label':
        return { ...computeSingleLabelMetrics(logits, labels as number[]) };
      case 'multi_label':
        return { ...computeMultiLabelMetrics(logits, labels as number[][]) };
      case 'token':
        return {
          ...computeTokenClassificationMetrics(
            logits.map((flat) => rows(flat, numLabels)),
            labels as number[][],
            labelNames,
          ),
        };
    }
  };
}

export interface EvaluateOptions {
  batchSize: number;
  kind: ProblemType;
  padTokenId: number;
  computeMetrics: ComputeMetrics;
  /** Key prefix, `eval` as in `Trainer.evaluate`. */
  prefix?: string;
  progressLabel?: string;
}

/** transformers rounds eval_runtime to 4 decimals and the rates to 3 (`speed_metrics`). */
const RUNTIME_DECIMALS = 4;
const RATE_DECIMALS = 3;

/**
 * `Trainer.evaluate`: batches in order, loss averaged over examples (each batch's mean loss weighted by its size),
 * then compute_metrics; keys come out as transformers orders them: `eval_loss`, the metrics, runtime and rates.
 */
export async function evaluateModel(
  engine: Pick<TrainingEngine, 'evaluate'>,
  examples: readonly EncodedExample[],
  options: EvaluateOptions,
): Promise<LogEntry> {
  const prefix = options.prefix ?? 'eval';
  const started = performance.now();
  const batches = batchIndices(
    examples.map((_, i) => i),
    options.batchSize,
  );
  const progress = createProgress({ label: options.progressLabel ?? prefix, total: batches.length });
  const logits: Float32Array[] = [];
  let lossSum = 0;
  for (const indices of batches) {
    const batch = collateArrays(
      indices.map((i) => examples[i]!),
      options.padTokenId,
      options.kind,
    );
    const output = await engine.evaluate(batch);
    lossSum += output.loss * indices.length;
    logits.push(...output.logits);
    progress.increment(1);
  }
  progress.stop();
  const numLabels =
    options.kind === 'token' ? logits[0]!.length / examples[0]!.inputIds.length : logits[0]!.length;
  const metrics = options.computeMetrics({ logits, labels: examples.map((e) => e.label), numLabels });
  const runtime = (performance.now() - started) / 1000;
  const entry: LogEntry = { [`${prefix}_loss`]: lossSum / examples.length };
  for (const [key, value] of Object.entries(metrics)) entry[`${prefix}_${key}`] = value;
  entry[`${prefix}_runtime`] = roundTo(runtime, RUNTIME_DECIMALS);
  entry[`${prefix}_samples_per_second`] = roundTo(examples.length / runtime, RATE_DECIMALS);
  entry[`${prefix}_steps_per_second`] = roundTo(batches.length / runtime, RATE_DECIMALS);
  return entry;
}
