import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { BcmbError } from '@bcmb/core';
import { parse as parseYaml, YAMLParseError } from 'yaml';

/** A sweep file that cannot be read or planned; the message says what and where. */
export class SweepFileError extends BcmbError {}

/** One `bcmb finetune` option value as a sweep file gives it (`true` is a bare flag, `false` leaves it out). */
export type OptionValue = string | number | boolean;

/** One trial: `bcmb finetune` options by dashed name (`batch-size`, `lr`, `dataset`…). */
export type TrialOptions = Record<string, OptionValue>;

/** A parsed sweep file: its name and its trials in plan order (grid first, then the list). */
export interface SweepFile {
  name: string;
  file: string;
  trials: TrialOptions[];
}

const TOP_LEVEL_KEYS = ['name', 'defaults', 'grid', 'trials'] as const;

/** `batch_size` and `batch-size` are one option (finetune accepts both spellings); keys are kept dashed. */
export function dashed(key: string): string {
  return key.replace(/^-+/, '').replaceAll('_', '-');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionValue(value: unknown, where: string, file: string): OptionValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new SweepFileError(`${where} must be a string, number or true/false, got ${JSON.stringify(value)}`, {
    file,
    hint: 'Give lists only under grid:, one value per option elsewhere',
  });
}

function options(section: unknown, where: string, file: string): TrialOptions {
  if (section === undefined || section === null) return {};
  if (!isRecord(section)) {
    throw new SweepFileError(`${where} must be a mapping of finetune options`, { file });
  }
  const out: TrialOptions = {};
  for (const [key, value] of Object.entries(section)) {
    const parsed = optionValue(value, `${where}.${key}`, file);
    if (parsed !== undefined) out[dashed(key)] = parsed;
  }
  return out;
}

/** Every combination of the grid's lists, the first key varying slowest (like nested for loops in file order). */
function expandGrid(grid: unknown, file: string): TrialOptions[] {
  if (grid === undefined || grid === null) return [];
  if (!isRecord(grid)) throw new SweepFileError('grid must be a mapping of option: [values]', { file });
  let combos: TrialOptions[] = [{}];
  for (const [key, raw] of Object.entries(grid)) {
    const values = (Array.isArray(raw) ? raw : [raw])
      .map((value) => optionValue(value, `grid.${key}`, file))
      .filter((value): value is OptionValue => value !== undefined);
    if (values.length === 0) throw new SweepFileError(`grid.${key} has no values`, { file });
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [dashed(key)]: value })));
  }
  return combos;
}

/** Parses sweep YAML text (see the cli README for the format); `file` names it in errors. */
export function parseSweep(text: string, file: string): SweepFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      throw new SweepFileError(`not valid YAML: ${error.message.split('\n')[0]}`, {
        file,
        ...(error.linePos ? { line: error.linePos[0].line } : {}),
        cause: error,
      });
    }
    throw error;
  }
  if (!isRecord(doc))
    throw new SweepFileError('a sweep file is a mapping with grid: and/or trials:', { file });
  const unknown = Object.keys(doc).filter((key) => !(TOP_LEVEL_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new SweepFileError(`unknown top-level key ${unknown.map((k) => `"${k}"`).join(', ')}`, {
      file,
      hint: `A sweep file has ${TOP_LEVEL_KEYS.join(', ')}; finetune options go under defaults:, grid: or trials:`,
    });
  }
  const defaults = options(doc['defaults'], 'defaults', file);
  const listed = doc['trials'] ?? [];
  if (!Array.isArray(listed)) throw new SweepFileError('trials must be a list of option mappings', { file });
  const entries = [
    ...expandGrid(doc['grid'], file),
    ...listed.map((entry, i) => options(entry, `trials[${i}]`, file)),
  ];
  if (entries.length === 0)
    throw new SweepFileError('the sweep has no trials (no grid: or trials:)', { file });
  const name = doc['name'] === undefined ? basename(file, extname(file)) : String(doc['name']);
  return { name, file, trials: entries.map((entry) => ({ ...defaults, ...entry })) };
}

export async function readSweepFile(file: string): Promise<SweepFile> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new SweepFileError(`cannot read the sweep file: ${error.code ?? error.message}`, {
      file,
      cause: error,
    });
  });
  return parseSweep(text, file);
}
