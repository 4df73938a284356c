import {
  CONFIG_FILE,
  MissingWeightsError,
  PYTORCH_WEIGHTS_FILE,
  parseConfigText,
  parseSafetensors,
  renameLegacyKeys,
  SAFETENSORS_INDEX_FILE,
  SAFETENSORS_WEIGHTS_FILE,
  type StateDict,
} from '@bcmb/architectures/browser';
import {
  type BatchingOptions,
  exportEncoder,
  LAST_HIDDEN_STATE,
  LOGITS,
  type WebDevice,
  WebOnnxSession,
} from '@bcmb/onnx/browser';
import { tokenizerFromFiles } from '@bcmb/tokenizer/browser';
import { sessionRunner } from '../session-runner.js';
import {
  checkModel,
  createPipeline,
  type Pipeline,
  type PipelineTask,
  TASK_HEADS,
  type TaskOptions,
} from '../tasks.js';
import { type ModelFiles, ModelFilesError } from './model-files.js';

export type WebPipelineOptions<T extends PipelineTask = PipelineTask> = BatchingOptions &
  TaskOptions<T> & {
    /** `wasm` (default), `webgpu`, or `auto` (WebGPU when the browser has it). */
    device?: WebDevice;
    /** wasm threads (default: every core when the page is cross-origin isolated, else 1). */
    threads?: number;
    /** URL prefix where onnxruntime-web's `ort-wasm-simd-threaded.jsep.{wasm,mjs}` are served. */
    wasmPaths?: string;
    /** Default `fp32`; `int8` quantizes the encoder's linear layers. */
    dtype?: 'fp32' | 'int8';
    /** Tokens per window (default: the model's context) and tokens repeated between windows. */
    maxLength?: number;
    stride?: number;
    /** Where loading notices go; default console.warn. */
    warn?: (message: string) => void;
  };

/**
 * `pipeline()` in a browser: the same tasks, windows, aggregation and outputs as the Node entry, on a model folder
 * (config.json, safetensors weights, tokenizer files) read from a URL or picked files, its ONNX graph built in the
 * page and run by onnxruntime-web.
 */
export async function webPipeline<T extends PipelineTask>(
  task: T,
  files: ModelFiles,
  options: WebPipelineOptions<T> = {} as WebPipelineOptions<T>,
): Promise<Pipeline<T> & { readonly device: 'wasm' | 'webgpu' }> {
  const configText = await files.text(CONFIG_FILE);
  if (configText === undefined) {
    throw new ModelFilesError(`no ${CONFIG_FILE} in ${files.source}`, {
      file: files.source,
      hint: 'Point at a Hugging Face model folder (config.json, model.safetensors, tokenizer files)',
    });
  }
  const config = parseConfigText(configText, `${files.source}${CONFIG_FILE}`);
  const tokenizer = await tokenizerFromFiles((name) => files.text(name), {
    where: (name) => `${files.source}${name}`,
  });
  checkModel(task, config, tokenizer);
  const head = TASK_HEADS[task];
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const exported = exportEncoder(config, await readStateDict(files), {
    task: head,
    quantize: options.dtype === 'int8',
    withHiddenState: false,
    onWarning: head === 'base' ? () => {} : warn,
  });
  const session = await WebOnnxSession.create(exported, {
    ...(options.device ? { device: options.device } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.wasmPaths ? { wasmPaths: options.wasmPaths } : {}),
  });
  const runner = sessionRunner(session, head === 'base' ? LAST_HIDDEN_STATE : LOGITS, options);
  try {
    const pipe = createPipeline({
      task,
      config,
      tokenizer,
      runner,
      ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
      ...(options.stride === undefined ? {} : { stride: options.stride }),
      defaults: options,
      warn,
    });
    return Object.assign(pipe, { device: session.device });
  } catch (error) {
    await runner.dispose();
    throw error;
  }
}

/** The model's weights from its safetensors file(s); `pytorch_model.bin` is not read in the browser. */
async function readStateDict(files: ModelFiles): Promise<StateDict> {
  const single = await files.bytes(SAFETENSORS_WEIGHTS_FILE);
  if (single !== undefined) return renameLegacyKeys(parseSafetensors(single, SAFETENSORS_WEIGHTS_FILE));
  const index = await files.text(SAFETENSORS_INDEX_FILE);
  if (index !== undefined) return renameLegacyKeys(await readShards(files, index));
  const hasPickle = (await files.bytes(PYTORCH_WEIGHTS_FILE)) !== undefined;
  throw new MissingWeightsError(
    hasPickle
      ? `${files.source} has only ${PYTORCH_WEIGHTS_FILE}, which the browser entry does not read`
      : `no weights found in ${files.source}: looked for ${SAFETENSORS_WEIGHTS_FILE} and ${SAFETENSORS_INDEX_FILE}`,
    {
      file: files.source,
      hint: 'Convert the checkpoint to safetensors first, e.g. `bcmb finetune` output or save_pretrained(safe_serialization=True)',
    },
  );
}

async function readShards(files: ModelFiles, indexText: string): Promise<StateDict> {
  let weightMap: unknown;
  try {
    weightMap = (JSON.parse(indexText) as { weight_map?: unknown }).weight_map;
  } catch (cause) {
    throw new ModelFilesError('the safetensors shard index is not valid JSON', {
      file: SAFETENSORS_INDEX_FILE,
      cause,
      hint: 'Download the model again',
    });
  }
  if (typeof weightMap !== 'object' || weightMap === null) {
    throw new ModelFilesError('the safetensors shard index has no weight_map object', {
      file: SAFETENSORS_INDEX_FILE,
      hint: 'Expected {"weight_map": {"<tensor>": "<shard>.safetensors"}} as save_pretrained writes it',
    });
  }
  const dict: StateDict = new Map();
  for (const shard of [...new Set(Object.values(weightMap) as string[])].sort()) {
    const bytes = await files.bytes(shard);
    if (bytes === undefined) {
      throw new ModelFilesError(`shard ${shard} named by the index is missing`, {
        file: files.source,
        hint: 'Serve or pick every shard file of the model',
      });
    }
    for (const [name, tensor] of parseSafetensors(bytes, shard)) dict.set(name, tensor);
  }
  return dict;
}
