import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyOverrides, configLeaves, parseOmegaConfYaml, resolveInterpolations } from './yaml-config.js';

const keys = JSON.parse(readFileSync(new URL('../fixtures/configs_keys.json', import.meta.url), 'utf8')) as {
  configs: Record<
    string,
    { top_level_keys: string[]; leaves: Record<string, { value: unknown; type: string }> }
  >;
};
const yamlText = (name: string) =>
  readFileSync(new URL(`../fixtures/configs/${name}`, import.meta.url), 'utf8');
// OmegaConf's float resolver reads these PyYAML strings as floats.
const OMEGACONF_FLOAT_STRING = /^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$/;

describe('parseOmegaConfYaml', () => {
  it.each(Object.keys(keys.configs))(
    'reads every leaf of %s as OmegaConf does (PyYAML values, 3e-4 as a float)',
    (name) => {
      const expected = keys.configs[name];
      if (expected === undefined) throw new Error(name);
      const tree = parseOmegaConfYaml(yamlText(name));
      expect(Object.keys(tree)).toEqual(expected.top_level_keys);
      const leaves = configLeaves(tree);
      expect([...leaves.keys()].sort()).toEqual(Object.keys(expected.leaves).sort());
      for (const [path, { value, type }] of Object.entries(expected.leaves)) {
        const want = type === 'str' && OMEGACONF_FLOAT_STRING.test(String(value)) ? Number(value) : value;
        expect(leaves.get(path), path).toEqual(want);
      }
    },
  );

  it('resolves OmegaConf interpolations keeping the target type', () => {
    const tree = resolveInterpolations(parseOmegaConfYaml(yamlText('phase2/phase2_base.yaml')));
    const leaves = configLeaves(tree);
    expect(leaves.get('train_loader.dataset.max_seq_len')).toBe(8192);
    expect(leaves.get('train_loader.dataset.mlm_probability')).toBe(0.15);
    expect(leaves.get('scheduler.t_decay')).toBe('8_247_337_000tok');
    expect(leaves.get('train_loader.dataset.local')).toBe('data/Clinical_tokenized_mds');
    expect(leaves.get('optimizer.lr')).toBe(3e-4);
  });

  it('applies --set overrides before interpolation, with YAML typing', () => {
    const base = parseOmegaConfYaml(yamlText('phase1/phase1_base.yaml'));
    const tree = resolveInterpolations(
      applyOverrides(base, ['optimizer.lr=1e-4', 'max_seq_len=1024', 'run_name=mine']),
    );
    const leaves = configLeaves(tree);
    expect(leaves.get('optimizer.lr')).toBe(1e-4);
    expect(leaves.get('train_loader.dataset.max_seq_len')).toBe(1024);
    expect(leaves.get('run_name')).toBe('mine');
    expect(() => applyOverrides(base, ['optimizer.lr'])).toThrow(/key\.path=value/);
  });

  it('names the key of a dangling interpolation', () => {
    expect(() => resolveInterpolations(parseOmegaConfYaml(['a: $', '{b.c}'].join('')))).toThrow(
      /^a: interpolation/,
    );
  });
});
