import { PretrainConfigError } from './errors.js';

/** Composer time units: tokens, batches, samples, epochs, fraction of `max_duration`. */
export type TimeUnit = 'tok' | 'ba' | 'sp' | 'ep' | 'dur';

export interface Time {
  value: number;
  unit: TimeUnit;
}

/** Where training is: Composer's `state.timestamp` (counts after the last finished batch). */
export interface Timestamp {
  batch: number;
  token: number;
  sample: number;
  epoch: number;
}

const FIELD: Record<Exclude<TimeUnit, 'dur'>, keyof Timestamp> = {
  tok: 'token',
  ba: 'batch',
  sp: 'sample',
  ep: 'epoch',
};

// composer/core/time.py Time.from_timestring: `<number><unit>`, underscores allowed in the number.
const TIME_PATTERN = /^\s*([0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:e([-+]?[0-9]+))?\s*(tok|ba|sp|ep|dur)\s*$/;

/** Parses a Composer time string such as `160_453_000_000tok`, `3000ba` or `0.1dur`. */
export function parseTime(text: unknown, keyPath?: string): Time {
  if (typeof text === 'string') {
    const match = TIME_PATTERN.exec(text);
    if (match !== null) {
      const unit = match[3] as TimeUnit;
      const value = Number(
        `${(match[1] as string).replaceAll('_', '')}${match[2] === undefined ? '' : `e${match[2]}`}`,
      );
      if (unit === 'dur' || Number.isInteger(value)) return { value, unit };
    }
  }
  throw new PretrainConfigError(`${JSON.stringify(text)} is not a Composer time`, {
    keyPath,
    hint: 'Write <integer>tok, <integer>ba, <integer>sp, <integer>ep or <fraction>dur (e.g. 8_247_337_000tok, 40ba, 0.1dur)',
  });
}

export function timestampValue(timestamp: Timestamp, unit: TimeUnit): number {
  if (unit === 'dur') throw new Error('dur is resolved against max_duration first');
  return timestamp[FIELD[unit]];
}

/**
 * composer optim/scheduler.py `_convert_time`: `dur` becomes `int(f * max_duration)` in max_duration's unit;
 * epochs become batches through the dataloader length.
 */
export function resolveTime(time: Time, maxDuration: Time, batchesPerEpoch?: number): Time {
  if (time.unit === 'dur') {
    if (maxDuration.unit === 'ep') {
      return {
        value: Math.trunc(time.value * requireEpochLength(batchesPerEpoch) * maxDuration.value),
        unit: 'ba',
      };
    }
    return { value: Math.trunc(time.value * maxDuration.value), unit: maxDuration.unit };
  }
  if (time.unit === 'ep')
    return { value: Math.trunc(time.value * requireEpochLength(batchesPerEpoch)), unit: 'ba' };
  return { value: Math.trunc(time.value), unit: time.unit };
}

function requireEpochLength(batchesPerEpoch: number | undefined): number {
  if (batchesPerEpoch === undefined) {
    throw new PretrainConfigError('Epoch units need the number of batches per epoch', {
      hint: 'Give durations in tok or ba (the research configs use tok)',
    });
  }
  return batchesPerEpoch;
}

export function formatTime(time: Time): string {
  return `${time.value}${time.unit}`;
}
