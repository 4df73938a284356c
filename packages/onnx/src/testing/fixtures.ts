import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The repository's shared test fixtures (tiny checkpoints, transformers forward references). */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));

export function modelDir(name: string): string {
  return `${FIXTURES_DIR}models/${name}`;
}

export interface RefTensor {
  shape: number[];
  data: number[];
}

export interface RefInput {
  input_ids: RefTensor;
  attention_mask: RefTensor;
  token_type_ids?: RefTensor;
}

export interface RefOutputs {
  last_hidden_state: RefTensor;
  logits?: RefTensor;
  mlm_plain_input?: { rows?: { batch: number; position: number; logits: RefTensor }[] };
  mlm_masked_input?: { rows?: { batch: number; position: number; logits: RefTensor }[] };
}

export interface ForwardReference {
  inputs: Record<string, RefInput>;
  checkpoints: Record<
    string,
    {
      by_input?: Record<string, RefOutputs>;
      cls_pooling_override?: {
        config_override: Record<string, unknown>;
        by_input: Record<string, { logits: RefTensor }>;
      };
    }
  >;
}

/** A gzip-compressed JSON file under the repository's `fixtures/`. */
export function readGzipFixture<T>(relative: string): T {
  return JSON.parse(gunzipSync(readFileSync(`${FIXTURES_DIR}${relative}`)).toString('utf8')) as T;
}

/** `reference/modeling/<family>_forward.json.gz`, transformers' eager float32 outputs. */
export function forwardReference(family: 'bert' | 'modernbert'): ForwardReference {
  return readGzipFixture<ForwardReference>(`reference/modeling/${family}_forward.json.gz`);
}

/**
 * Largest |a - b| over the rows of `[B, L, C]` (or `[B, C]` when `perToken` is false) whose token is real
 * (`mask[b·L + l] = 1`): padding rows are implementation-specific.
 */
export function maxDiffRealTokens(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  mask: ArrayLike<number> | undefined,
  rowSize: number,
): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    if (mask !== undefined && mask[Math.floor(i / rowSize)] === 0) continue;
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  }
  return worst;
}
