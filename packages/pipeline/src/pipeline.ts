/**
 * `pipeline(task, model, options)`: the Node entry. Resolves the model (a local folder or a hub id through the
 * Hugging Face cache), loads its tokenizer and an engine for the task's head, and hands them to the task pipeline.
 */
import { readConfig } from '@bcmb/architectures';
import { type DownloadProgress, type ResolveModelOptions, resolveModel } from '@bcmb/hub';
import { loadTokenizer, type TokenizerOptions } from '@bcmb/tokenizer';
import { type EngineOptions, loadRunner } from './engine.js';
import { PipelineOptionsError } from './errors.js';
import {
  checkModel,
  createPipeline,
  PIPELINE_TASKS,
  type Pipeline,
  type PipelineTask,
  TASK_HEADS,
  type TaskOptions,
} from './tasks.js';

export type PipelineOptions<T extends PipelineTask = PipelineTask> = EngineOptions &
  TaskOptions<T> & {
    /** Tokens per window, special tokens included; default the model's context (512 for BERT, 8192 for ModernBERT). */
    maxLength?: number;
    /** Tokens each window of a longer text repeats from the one before; default a quarter of a window's text tokens. */
    stride?: number;
    /** Hub: branch, tag or commit (default `main`). */
    revision?: string;
    /** Hub: access token (default `HF_TOKEN`, then the token `huggingface-cli login` stored). */
    token?: string;
    /** Hub: use only the Hugging Face cache (default `HF_HUB_OFFLINE`). */
    offline?: boolean;
    /** Hub: cache folder (default `HF_HUB_CACHE`, shared with Python). */
    cacheDir?: string;
    /** Hub: endpoint (default `HF_ENDPOINT` or huggingface.co). */
    endpoint?: string;
    /** Hub: called as model files download. */
    onDownloadProgress?: (progress: DownloadProgress) => void;
    /** Tokenizer kwargs (`addPrefixSpace`, `lowercase`, …), as `AutoTokenizer.from_pretrained` takes them. */
    tokenizerOptions?: TokenizerOptions;
  };

const HUB_KEYS = ['revision', 'token', 'offline', 'cacheDir', 'endpoint'] as const;

/**
 * A pipeline for `task` over `model` (a folder saved with `save_pretrained` / `bcmb finetune`, or a hub id such as
 * `emilyalsentzer/Bio_ClinicalBERT`):
 *
 * - `token-classification`: `[{ entity_group, score, word, start, end }]` per text (or one entry per token with
 *   `aggregationStrategy: 'none'`, the default, as transformers);
 * - `text-classification`: `[{ label, score }]`, best first (`topK`, default 1);
 * - `fill-mask`: `[{ score, token, token_str, sequence }]` per mask (`topK`, default 5);
 * - `feature-extraction`: one `Float32Array` per text (`pooling` `mean` | `cls`, `normalize`), from any checkpoint.
 *
 * Texts longer than `maxLength` tokens are read in overlapping windows and merged back (text classification reads
 * the first window). Call `dispose()` when done.
 */
export async function pipeline<T extends PipelineTask>(
  task: T,
  model: string,
  options: PipelineOptions<T> = {} as PipelineOptions<T>,
): Promise<Pipeline<T>> {
  if (!PIPELINE_TASKS.includes(task)) {
    throw new PipelineOptionsError(`unknown task "${String(task)}"`, {
      hint: `Use one of ${PIPELINE_TASKS.join(', ')}`,
    });
  }
  const hub: ResolveModelOptions = {};
  for (const key of HUB_KEYS) if (options[key] !== undefined) Object.assign(hub, { [key]: options[key] });
  if (options.onDownloadProgress) hub.onProgress = options.onDownloadProgress;
  const { dir } = await resolveModel(model, hub);
  const config = await readConfig(dir);
  const tokenizer = await loadTokenizer(dir, {
    ...(options.warn ? { warn: options.warn } : {}),
    ...options.tokenizerOptions,
  });
  checkModel(task, config, tokenizer);
  const runner = await loadRunner(dir, config, TASK_HEADS[task], options);
  try {
    return createPipeline({
      task,
      config,
      tokenizer,
      runner,
      ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
      ...(options.stride === undefined ? {} : { stride: options.stride }),
      defaults: options,
      ...(options.warn ? { warn: options.warn } : {}),
    });
  } catch (error) {
    await runner.dispose();
    throw error;
  }
}
