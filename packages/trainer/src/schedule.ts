/**
 * `transformers.get_linear_schedule_with_warmup` as a function of the number of optimizer steps already taken:
 * the optimizer's (k+1)-th update uses `linearScheduleLr(k, …)` (LambdaLR starts at step 0 and advances after
 * each update).
 */
export function linearScheduleLr(
  stepsTaken: number,
  baseLr: number,
  warmupSteps: number,
  totalSteps: number,
): number {
  if (stepsTaken < warmupSteps) return (baseLr * stepsTaken) / Math.max(1, warmupSteps);
  return baseLr * Math.max(0, (totalSteps - stepsTaken) / Math.max(1, totalSteps - warmupSteps));
}

/** TrainingArguments.get_warmup_steps: explicit steps win, else ceil(total × ratio). */
export function warmupSteps(
  totalSteps: number,
  options: { warmupSteps?: number; warmupRatio?: number },
): number {
  const steps = options.warmupSteps ?? 0;
  return steps > 0 ? steps : Math.ceil(totalSteps * (options.warmupRatio ?? 0));
}

/**
 * Optimizer updates per epoch: one every `accumulation` batches plus one for a trailing partial group, as the
 * Trainer's loop syncs at `(step+1) % accumulation == 0` or on the epoch's last batch.
 */
export function updatesPerEpoch(batchesPerEpoch: number, accumulation: number): number {
  return Math.max(1, Math.ceil(batchesPerEpoch / accumulation));
}
