import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLrSchedule } from './schedules.js';
import { parseTime } from './time.js';

interface ScheduleCase {
  name: string;
  scheduler: string;
  kwargs: Record<string, unknown>;
  max_duration: string;
  tokens_per_batch: number | null;
  steps: number[];
  lr_multiplier: number[];
}
const { cases } = JSON.parse(
  readFileSync(new URL('../fixtures/schedules/lr_schedules.json', import.meta.url), 'utf8'),
) as { cases: ScheduleCase[] };

describe('createLrSchedule', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    'reproduces the real Composer/ModernBERT multipliers of %s exactly',
    (_, c) => {
      const schedule = createLrSchedule({ name: c.scheduler, ...c.kwargs }, parseTime(c.max_duration));
      const ours = c.steps.map((b) =>
        schedule({ batch: b, token: b * (c.tokens_per_batch ?? 0), sample: b, epoch: 0 }),
      );
      expect(ours).toEqual(c.lr_multiplier);
    },
  );

  it('refuses a scheduler key it does not implement, naming its path', () => {
    expect(() => createLrSchedule({ name: 'one_minus_sqrt', t_warmup: '0tok' }, parseTime('10tok'))).toThrow(
      /scheduler\.t_warmup/,
    );
    expect(() => createLrSchedule({ name: 'cosine_with_warmup' }, parseTime('10tok'))).toThrow(
      /scheduler\.name/,
    );
  });

  it('reads Composer time strings with underscores', () => {
    expect(parseTime('160_453_000_000tok')).toEqual({ value: 160_453_000_000, unit: 'tok' });
    expect(parseTime('0.1dur')).toEqual({ value: 0.1, unit: 'dur' });
    expect(() => parseTime('12 batches', 'eval_interval')).toThrow(/eval_interval/);
  });
});
