import { PretrainConfigError } from './errors.js';
import { parseTime, resolveTime, type Time, type Timestamp, timestampValue } from './time.js';

/** LR multiplier at a timestamp; the LR is `optimizer.lr * multiplier`. */
export type LrSchedule = (timestamp: Timestamp) => number;

export const SCHEDULER_NAMES = ['constant_with_warmup', 'warmup_stable_decay', 'one_minus_sqrt'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** Keys each scheduler takes (besides `name`), as in the research YAMLs / ModernBERT main.py. */
export const SCHEDULER_KEYS: Record<SchedulerName, readonly string[]> = {
  constant_with_warmup: ['t_warmup', 't_max'],
  warmup_stable_decay: ['t_warmup', 't_decay', 't_max', 'alpha_f'],
  one_minus_sqrt: ['t_decay', 't_max', 'alpha_f'],
};

// ModernBERT src/scheduler.py: WarmupStableDecayScheduler warms up with LinearScheduler(alpha_i=1e-10, alpha_f=1).
const WSD_WARMUP_START = 1e-10;

export interface ScheduleOptions {
  /** Batches per epoch, only needed when a time is in `ep`. */
  batchesPerEpoch?: number;
}

/**
 * Builds a scheduler as Composer / ModernBERT evaluate it: each time is converted with `_convert_time`
 * against `max_duration`, and the current timestamp is read in that time's unit (tokens for the BioClinical configs).
 */
export function createLrSchedule(
  config: Record<string, unknown>,
  maxDuration: Time,
  options: ScheduleOptions = {},
): LrSchedule {
  const name = config.name;
  if (!(SCHEDULER_NAMES as readonly unknown[]).includes(name)) {
    throw new PretrainConfigError(`unknown scheduler ${JSON.stringify(name)}`, {
      keyPath: 'scheduler.name',
      hint: `bcmb implements ${SCHEDULER_NAMES.join(', ')}`,
    });
  }
  const scheduler = name as SchedulerName;
  for (const key of Object.keys(config)) {
    if (key !== 'name' && !SCHEDULER_KEYS[scheduler].includes(key)) {
      throw new PretrainConfigError(`${scheduler} takes no key ${key}`, {
        keyPath: `scheduler.${key}`,
        hint: `It takes ${SCHEDULER_KEYS[scheduler].join(', ')}`,
      });
    }
  }
  const time = (key: string, fallback: string): Time =>
    resolveTime(parseTime(config[key] ?? fallback, `scheduler.${key}`), maxDuration, options.batchesPerEpoch);
  const alpha = (fallback: number): number => {
    const value = config.alpha_f ?? fallback;
    if (typeof value !== 'number') {
      throw new PretrainConfigError(`alpha_f must be a number, got ${JSON.stringify(value)}`, {
        keyPath: 'scheduler.alpha_f',
      });
    }
    return value;
  };
  const at = (timestamp: Timestamp, unit: Time['unit']) => timestampValue(timestamp, unit);

  switch (scheduler) {
    case 'constant_with_warmup': {
      // composer ConstantWithWarmupScheduler = LinearWithWarmupScheduler(alpha_i = alpha_f = 1).
      const warmup = time('t_warmup', '0ba');
      return (timestamp) => {
        const t = at(timestamp, warmup.unit);
        if (t < warmup.value) return Math.min(1, t / warmup.value);
        return 1;
      };
    }
    case 'warmup_stable_decay': {
      const warmup = time('t_warmup', '0ba');
      const decay = time('t_decay', '0.1dur');
      const max = time('t_max', '1dur');
      const alphaF = alpha(0.1);
      return (timestamp) => {
        if (at(timestamp, warmup.unit) < warmup.value) {
          const frac = Math.min(1, at(timestamp, warmup.unit) / warmup.value);
          return WSD_WARMUP_START + frac * (1 - WSD_WARMUP_START);
        }
        if (at(timestamp, max.unit) < max.value - decay.value) return 1;
        const current = at(timestamp, warmup.unit);
        const fraction = (current - (max.value - decay.value)) / decay.value;
        return Math.max(0, 1 - fraction * (1 - alphaF));
      };
    }
    case 'one_minus_sqrt': {
      const decay = time('t_decay', '0.1dur');
      const max = time('t_max', '1dur');
      const alphaF = alpha(0.1);
      return (timestamp) => {
        const current = at(timestamp, max.unit);
        if (current <= max.value - decay.value) return 1;
        const relative = (current - (max.value - decay.value)) / decay.value;
        return Math.max(alphaF, alphaF + (1 - alphaF) * (1 - Math.sqrt(relative)));
      };
    }
  }
}
