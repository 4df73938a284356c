import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelLoadError } from './errors.js';
import { readModelInfo } from './model-info.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'speedbench-info-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (fields: Record<string, unknown>) =>
  writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', vocab_size: 28996, ...fields }));

describe('readModelInfo', () => {
  it('takes the max length from max_position_embeddings and flags a config-only directory as random weights', async () => {
    await config({ max_position_embeddings: 8192, pad_token_id: 50283 });
    expect(await readModelInfo(dir)).toMatchObject({
      maxLength: 8192,
      padTokenId: 50283,
      randomWeights: true,
    });
    await writeFile(join(dir, 'model.safetensors'), '');
    expect((await readModelInfo(dir)).randomWeights).toBe(false);
  });

  it('prefers the tokenizer model_max_length and reads an unset (huge) one as 512, like the research', async () => {
    await config({ max_position_embeddings: 8192 });
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 1e30 }));
    expect((await readModelInfo(dir)).maxLength).toBe(512);
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 8192 }));
    expect((await readModelInfo(dir)).maxLength).toBe(8192);
  });

  it('rejects a directory without config.json, and a vocabulary too small for the research ids', async () => {
    await expect(readModelInfo(dir)).rejects.toThrow(/no config\.json/);
    await config({ vocab_size: 1024 });
    await expect(readModelInfo(dir)).rejects.toThrow(ModelLoadError);
  });
});
