import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Copies of shared/fixtures/pretraining/mds (real streaming.MDSWriter output). */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as T;
}

export interface ExpectedSamples {
  num_samples: number;
  samples: number[][];
}
