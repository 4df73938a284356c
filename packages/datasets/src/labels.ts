import { comparePythonStrings } from '@bcmb/metrics';
import { UnknownLabelError } from './errors.js';

/** name → id for a label list in id order. */
export function labelIndex(labelNames: readonly string[]): Map<string, number> {
  return new Map(labelNames.map((name, id) => [name, id]));
}

/**
 * Label names as `datasets`' `class_encode_column` orders them: `sorted(set(values))` by code point.
 */
export function sortedLabelSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(comparePythonStrings);
}

/**
 * Ids of `names` under `index`, like a `ClassLabel` cast; a name outside the set throws an
 * `UnknownLabelError` naming `record` (the research code raises `Invalid string class label`).
 */
export function encodeLabels(
  names: readonly string[],
  index: Map<string, number>,
  record: string,
  location: { file?: string; line?: number } = {},
): number[] {
  return names.map((name) => {
    const id = index.get(name);
    if (id === undefined) throw new UnknownLabelError(name, record, [...index.keys()], location);
    return id;
  });
}
