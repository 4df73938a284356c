/**
 * One `log_history` entry as transformers writes it: training logs carry loss, grad_norm and learning_rate,
 * evaluation logs `eval_*` metrics; every entry has the (fractional) epoch and the global step.
 */
export type LogEntry = Record<string, number>;

/** transformers rounds the logged training loss to 4 decimals (`round(tr_loss / steps, 4)`). */
export const LOGGED_LOSS_DECIMALS = 4;

export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
