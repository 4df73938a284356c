import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MdsWriter } from '@bcmb/mds';

/** The tiny random-weight ModernBERT MLM checkpoint of the shared fixtures (vocab 1024, [PAD] 1020, [MASK] 1023). */
export const TINY_MODEL = new URL('../../../fixtures/models/tiny-modernbert-mlm/', import.meta.url).pathname;
export const TINY_IDS = { unk: 1019, pad: 1020, cls: 1021, sep: 1022, mask: 1023 };

/**
 * Writes train/ and eval/ MDS splits of learnable synthetic "notes": [CLS] then runs of consecutive ids
 * (a, a+1, a+2, …) then [SEP], lengths 6..30, so the next id is predictable from its neighbours.
 */
export async function writeSyntheticSplits(
  root: string,
  trainSamples: number,
  evalSamples: number,
): Promise<void> {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (const [split, count] of [
    ['train', trainSamples],
    ['eval', evalSamples],
  ] as const) {
    const writer = await MdsWriter.create({
      out: join(root, split),
      columns: { input_ids: 'ndarray:uint16' },
    });
    for (let i = 0; i < count; i++) {
      const length = 6 + Math.floor(random() * 25);
      const start = 10 + Math.floor(random() * 900);
      const ids = [TINY_IDS.cls, ...Array.from({ length: length - 2 }, (_, j) => start + j), TINY_IDS.sep];
      await writer.write({ input_ids: ids });
    }
    await writer.finish();
  }
}

/** A research-style YAML for the tiny model (same keys as the BioClinical configs, tiny sizes). */
export async function writeTinyConfig(
  path: string,
  dataRoot: string,
  saveRoot: string,
  extra = '',
): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(
    path,
    `data_local: ${dataRoot}
data_remote:
max_seq_len: 32
mlm_probability: 0.3
count_padding_tokens: false
run_name: tiny_run
train_loader:
  name: text
  dataset:
    local: \${data_local}
    remote: \${data_remote}
    split: train
    max_seq_len: \${max_seq_len}
    shuffle: true
    mlm_probability: \${mlm_probability}
    streaming: false
    shuffle_seed: 2998
  drop_last: true
  num_workers: 1
  sequence_packing: true
eval_loader:
  name: text
  dataset:
    local: \${data_local}
    remote: \${data_remote}
    split: eval
    max_seq_len: \${max_seq_len}
    shuffle: false
    mlm_probability: 0.15
    streaming: false
  drop_last: false
  sequence_packing: false
scheduler:
  name: warmup_stable_decay
  t_warmup: 400tok
  alpha_f: 0.1
optimizer:
  name: decoupled_stableadamw
  lr: 3e-3
  betas:
  - 0.9
  - 0.98
  eps: 1.0e-06
  weight_decay: 1.0e-5
  filter_bias_norm_wd: true
  log_grad_norm: true
max_duration: 16ba
eval_interval: 8ba
global_train_batch_size: 8
device_train_microbatch_size: 4
seed: 17
precision: amp_bf16
console_log_interval: 1ba
save_interval: 4ba
save_num_checkpoints_to_keep: -1
save_folder: ${saveRoot}/{run_name}
${extra}`,
  );
}
