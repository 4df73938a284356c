import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WEIGHT_FILE_PATTERN } from '@bcmb/architectures';
import { RESEARCH_FALLBACK_MAX_LENGTH, researchMaxLength } from '@bcmb/tokenizer';
import { ModelLoadError } from './errors.js';
import { TOKEN_ID_HIGH } from './workloads.js';

/** Files that hold weights in a model directory: Hugging Face weights (sharded ones included) or an ONNX graph. */
const isWeightFile = (file: string) => WEIGHT_FILE_PATTERN.test(file) || file.endsWith('.onnx');

export interface ModelInfo {
  dir: string;
  modelType: string;
  /** The length that decides which sets run (research rule above). */
  maxLength: number;
  padTokenId: number;
  /** No weight file next to config.json: engines initialise random weights. */
  randomWeights: boolean;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ModelLoadError(path, `invalid JSON (${(error as Error).message})`);
  }
}

/** What the benchmark needs to know before loading: pad id, usable length, whether weights exist. */
export async function readModelInfo(dir: string): Promise<ModelInfo> {
  const config = await readJson(join(dir, 'config.json')).catch((error: unknown) => {
    if (error instanceof ModelLoadError) throw error;
    throw new ModelLoadError(dir, `cannot read config.json (${(error as Error).message})`);
  });
  if (config === undefined) {
    throw new ModelLoadError(dir, 'no config.json', {
      hint: 'Pass a Hugging Face model directory or hub id; a directory with only config.json runs with random weights',
    });
  }
  const tokenizerConfig = await readJson(join(dir, 'tokenizer_config.json'));
  const tokenizerMax = tokenizerConfig?.['model_max_length'];
  const positions = config['max_position_embeddings'];
  let maxLength = typeof positions === 'number' ? positions : RESEARCH_FALLBACK_MAX_LENGTH;
  if (typeof tokenizerMax === 'number') maxLength = researchMaxLength(tokenizerMax);
  const vocab = config['vocab_size'];
  if (typeof vocab === 'number' && vocab < TOKEN_ID_HIGH) {
    throw new ModelLoadError(
      dir,
      `vocab_size ${vocab} is smaller than the benchmark's token ids (random in [100, 16000))`,
      {
        hint: 'The research workload needs a vocabulary of at least 16000 entries',
      },
    );
  }
  const pad = config['pad_token_id'];
  const files = await readdir(dir);
  return {
    dir,
    modelType: typeof config['model_type'] === 'string' ? config['model_type'] : 'unknown',
    maxLength,
    padTokenId: typeof pad === 'number' ? pad : 0,
    randomWeights: !files.some(isWeightFile),
  };
}
