import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TorchCpuGenerator } from './torch-random.js';

const reference = JSON.parse(readFileSync(new URL('../fixtures/torch-random.json', import.meta.url), 'utf8'));

describe('TorchCpuGenerator', () => {
  it('is MT19937: seed 5489 gives the reference first output', () => {
    expect(new TorchCpuGenerator(5489).random()).toBe(reference.mt19937_seed5489_first_output);
  });

  it('draws torch.manual_seed(42); torch.randn(2, 8) (the 16-wide Box–Muller path)', () => {
    const values = [...new TorchCpuGenerator(42).normal(16, 0, 1)];
    for (const [i, value] of values.entries())
      expect(value).toBeCloseTo(reference.manual_seed_42.randn_2x8[i], 4);
  });

  it('draws torch.manual_seed(42); torch.randn(5) (the scalar path below 16 values)', () => {
    const values = [...new TorchCpuGenerator(42).normal(5, 0, 1)];
    for (const [i, value] of values.entries())
      expect(value).toBeCloseTo(reference.manual_seed_42.randn_5[i], 4);
  });

  it('draws torch.manual_seed(42); torch.randint(0, 10, (5,))', () => {
    const out = new Int32Array(5);
    new TorchCpuGenerator(42).randintInto(out, 0, 5, 0, 10);
    expect([...out]).toEqual(reference.manual_seed_42.randint_0_10_5);
  });

  it('manualSeed restarts the stream', () => {
    const generator = new TorchCpuGenerator(42);
    const first = [generator.random(), generator.random()];
    generator.manualSeed(42);
    expect([generator.random(), generator.random()]).toEqual(first);
  });
});
