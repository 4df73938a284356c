import { parseJsonText } from '@bcmb/core';
import { ConfigReader, readBase } from './config-reader.js';
import { ModelConfigError, UnsupportedConfigError } from './errors.js';
import { type BertConfig, bert } from './families/bert.js';
import { type ModernBertConfig, modernBert } from './families/modernbert.js';
import type { Family } from './family.js';
import { CONFIG_FILE } from './model-files.js';
import { TASK_CLASS_SUFFIX, type Task, taskFromArchitecture } from './task.js';

/** The families bcmb implements: the only list of them. A new family is one file plus a line here. */
export const FAMILIES = [bert, modernBert] as const;

export type EncoderConfig = BertConfig | ModernBertConfig;
export type ModelType = EncoderConfig['modelType'];

/** The description of a config's family. */
export function familyOf<C extends EncoderConfig>(config: C): Family<C> {
  return familyByType(config.modelType) as unknown as Family<C>;
}

function familyByType(modelType: string): Family | undefined {
  return (FAMILIES as readonly Family[]).find((family) => family.modelType === modelType);
}

const SUPPORTED = FAMILIES.map((family) => family.modelType).join(' and ');

/**
 * `model_type` as `transformers.AutoConfig` resolves it: the field, else the architecture class name, else the
 * longest known type name contained in the model path, else a family whose own keys the config carries.
 */
function resolveModelType(raw: Record<string, unknown>, source: string): string {
  if (typeof raw['model_type'] === 'string') return raw['model_type'];
  const first: unknown = Array.isArray(raw['architectures']) ? raw['architectures'][0] : undefined;
  const architecture = typeof first === 'string' ? first : '';
  // Longest class prefix first: ModernBert… is not Bert….
  const byLength = [...FAMILIES].sort((a, b) => b.classPrefix.length - a.classPrefix.length);
  const byClass = byLength.find((family) => architecture.startsWith(family.classPrefix));
  if (byClass) return byClass.modelType;
  const byPath = [...FAMILIES]
    .sort((a, b) => b.modelType.length - a.modelType.length)
    .find((family) => source.includes(family.modelType));
  if (byPath) return byPath.modelType;
  const byKeys = (FAMILIES as readonly Family[]).find((family) =>
    family.legacyConfigKeys?.every((key) => key in raw),
  );
  if (byKeys) return byKeys.modelType;
  throw new ModelConfigError('config.json has no "model_type" and no architecture bcmb recognises', {
    file: source,
    hint: `Add "model_type" (${FAMILIES.map((family) => `"${family.modelType}"`).join(' or ')})`,
  });
}

/** Parses a `config.json` object once into a typed config; `source` names the file in errors. */
export function parseConfig(raw: unknown, source = CONFIG_FILE): EncoderConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelConfigError('config.json does not hold a JSON object', { file: source });
  }
  const record = raw as Record<string, unknown>;
  const modelType = resolveModelType(record, source);
  const family = familyByType(modelType);
  if (!family) {
    throw new UnsupportedConfigError(`model_type "${modelType}" is not implemented`, {
      file: source,
      hint: `bcmb implements ${SUPPORTED}`,
    });
  }
  const reader = new ConfigReader(record, source);
  return family.parseConfig(reader, readBase(reader)) as EncoderConfig;
}

/**
 * Parses the text of a `config.json` (from a file, a fetch or a picked file), with optional overrides applied
 * first; `source` names it in errors.
 */
export function parseConfigText(
  text: string,
  source = CONFIG_FILE,
  overrides: Record<string, unknown> = {},
): EncoderConfig {
  const raw = parseJsonText(
    text,
    (what, options) => new ModelConfigError(`config.json is ${what}`, options),
    {
      file: source,
      hint: 'Fix the file, or download the model again',
    },
  );
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelConfigError('config.json does not hold a JSON object', { file: source });
  }
  return parseConfig({ ...(raw as Record<string, unknown>), ...overrides }, source);
}

/** The head named by config.json `architectures[0]`, `base` when none matches. */
export function taskFromArchitectures(config: EncoderConfig): Task {
  return taskFromArchitecture(config.architectures[0] ?? '');
}

/** The `transformers` class a model of this config and task mirrors, e.g. `ModernBertForSequenceClassification`. */
export function className(config: EncoderConfig, task: Task): string {
  return `${familyOf(config).classPrefix}${TASK_CLASS_SUFFIX[task]}`;
}

/** Multiply-add FLOPs of the encoder's matrix products for one forward pass (see `Family.forwardFlops`). */
export function encoderForwardFlops(config: EncoderConfig, batch: number, length: number): number {
  return familyOf(config).forwardFlops(config, batch, length);
}
