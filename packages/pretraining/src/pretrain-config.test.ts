import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PretrainConfigError } from './errors.js';
import {
  describeHonouredKeys,
  loadPretrainConfig,
  lrScheduleOf,
  pretrainConfigFrom,
} from './pretrain-config.js';
import { parseOmegaConfYaml } from './yaml-config.js';

const fixture = (name: string) => new URL(`../fixtures/configs/${name}`, import.meta.url).pathname;

describe('pretrainConfigFrom', () => {
  it.each([
    ['phase1/phase1_base.yaml', 0.3, 'constant_with_warmup', 160_453_000_000, 576, 12],
    ['phase1/phase1_large.yaml', 0.3, 'constant_with_warmup', 160_453_000_000, 616, 7],
    ['phase2/phase2_base.yaml', 0.15, 'one_minus_sqrt', 8_247_337_000, 576, 12],
    ['phase2/phase2_large.yaml', 0.15, 'one_minus_sqrt', 8_247_337_000, 616, 7],
    ['phase2/_phase2_bio_base.yaml', 0.15, 'one_minus_sqrt', 50_735_000_000, 576, 12],
    ['phase2/_phase2_bio_large.yaml', 0.15, 'one_minus_sqrt', 50_735_000_000, 616, 7],
  ])(
    'accepts %s: mlm %s, %s, %s tokens, batch %s / micro %s',
    async (name, mlm, scheduler, tokens, batch, micro) => {
      const config = await loadPretrainConfig(fixture(name));
      expect(config.mlmProbability).toBe(mlm);
      expect(config.evalMlmProbability).toBe(0.15);
      expect(config.scheduler.name).toBe(scheduler);
      expect(config.maxDuration).toEqual({ value: tokens, unit: 'tok' });
      expect(config.globalTrainBatchSize).toBe(batch);
      expect(config.microBatchSize).toBe(micro);
      expect(config.maxSeqLen).toBe(8192);
      expect(config.betas).toEqual([0.9, 0.98]);
      expect(config.eps).toBe(1e-6);
      expect(config.trainDir).toMatch(/_tokenized_mds\/train$/);
      expect(config.evalDir).toMatch(/_tokenized_mds\/eval$/);
      expect(config.noEffect.some((line) => line.startsWith('precision'))).toBe(true);
      expect(lrScheduleOf(config)({ batch: 0, token: 0, sample: 0, epoch: 0 })).toBe(1);
    },
  );

  it('refuses an unknown key that may change training, naming its path', async () => {
    const error = await loadPretrainConfig(fixture('phase2/phase2_base.yaml'), {
      overrides: ['optimizer.clipping_threshold=1.0'],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PretrainConfigError);
    expect((error as PretrainConfigError).keyPath).toBe('optimizer.clipping_threshold');
  });

  it('refuses another optimizer and remote data with the key path', () => {
    const base = parseOmegaConfYaml(readFileSync(fixture('phase1/phase1_base.yaml'), 'utf8'));
    expect(() => pretrainConfigFrom(base, { overrides: ['optimizer.name=decoupled_adamw'] })).toThrow(
      /^optimizer\.name:/,
    );
    expect(() => pretrainConfigFrom(base, { overrides: ['data_remote=s3://bucket/x'] })).toThrow(
      /remote object stores/,
    );
  });

  it('takes --set overrides (lr, masking, duration) with OmegaConf typing', async () => {
    const config = await loadPretrainConfig(fixture('phase1/phase1_base.yaml'), {
      overrides: [
        'optimizer.lr=1e-4',
        'mlm_probability=0.2',
        'max_duration=1000tok',
        'save_folder=out/{run_name}',
      ],
    });
    expect(config.lr).toBe(1e-4);
    expect(config.mlmProbability).toBe(0.2);
    expect(config.maxDuration).toEqual({ value: 1000, unit: 'tok' });
    expect(config.saveFolder).toBe('out/phase1_all_3ep_constant');
  });

  it('lists every key rule with its kind for bcmb pretrain --list-keys', () => {
    const lines = describeHonouredKeys().split('\n');
    expect(lines).toContain('honoured  optimizer.lr  peak LR');
    expect(lines.some((line) => line.startsWith('checked   model.model_config.vocab_size'))).toBe(true);
    expect(lines.some((line) => line.startsWith('no-effect precision'))).toBe(true);
  });
});
