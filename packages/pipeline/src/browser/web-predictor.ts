import {
  CONFIG_FILE,
  type EncoderConfig,
  MissingWeightsError,
  PYTORCH_WEIGHTS_FILE,
  parseConfigText,
  parseSafetensors,
  renameLegacyKeys,
  SAFETENSORS_INDEX_FILE,
  SAFETENSORS_WEIGHTS_FILE,
  type StateDict,
  taskFromArchitectures,
} from '@bcmb/architectures/browser';
import {
  type BatchingOptions,
  exportEncoder,
  LOGITS,
  OnnxInputError,
  runSequences,
  type WebDevice,
  WebOnnxSession,
} from '@bcmb/onnx/browser';
import { type Tokenizer, tokenizerFromFiles } from '@bcmb/tokenizer/browser';
import { decodeSequence, decodeTokens, type SequencePrediction, type TokenPrediction } from '../decode.js';
import { type ModelFiles, ModelFilesError } from './model-files.js';

export type WebPredictTask = 'sequence-classification' | 'token-classification';

export interface WebPredictorOptions extends BatchingOptions {
  /** `wasm` (default), `webgpu`, or `auto` (WebGPU when the browser has it). */
  device?: WebDevice;
  /** wasm threads (default: every core when the page is cross-origin isolated, else 1). */
  threads?: number;
  /** URL prefix where onnxruntime-web's `ort-wasm-simd-threaded.jsep.{wasm,mjs}` are served. */
  wasmPaths?: string;
  /** int8 weights for the encoder's linear layers. */
  quantize?: boolean;
  /** Longest input in tokens; longer texts are truncated. Default: the model's max_position_embeddings. */
  maxLength?: number;
}

export type WebPrediction = (SequencePrediction | TokenPrediction) & {
  /** The text was longer than `maxLength` tokens and only its start was read. */
  truncated: boolean;
};

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

/**
 * Sequence or token classification of raw texts in a browser: a fine-tuned model folder (config.json,
 * safetensors weights, tokenizer) read from a URL or picked files, its ONNX graph built in the page and run by
 * onnxruntime-web. The counterpart of `Predictor` (Node), with the same tokenization, batching and decoding.
 */
export class WebPredictor {
  private constructor(
    readonly config: EncoderConfig,
    readonly task: WebPredictTask,
    private readonly tokenizer: Tokenizer,
    private readonly session: WebOnnxSession,
    private readonly maxLength: number,
    private readonly options: WebPredictorOptions,
  ) {}

  /** The execution provider that runs the model (`wasm` or `webgpu`). */
  get device(): 'wasm' | 'webgpu' {
    return this.session.device;
  }

  static async load(files: ModelFiles, options: WebPredictorOptions = {}): Promise<WebPredictor> {
    const configText = await files.text(CONFIG_FILE);
    if (configText === undefined) {
      throw new ModelFilesError(`no ${CONFIG_FILE} in ${files.source}`, {
        file: files.source,
        hint: 'Point at a Hugging Face model folder (config.json, model.safetensors, tokenizer files)',
      });
    }
    const config = parseConfigText(configText, `${files.source}${CONFIG_FILE}`);
    const task = taskFromArchitectures(config);
    if (task !== 'sequence-classification' && task !== 'token-classification') {
      throw new OnnxInputError(
        `the model in ${files.source} is a ${task} model; predict needs a classifier`,
        {
          hint: 'Use a checkpoint whose config.json architectures ends in ForSequenceClassification or ForTokenClassification',
        },
      );
    }
    const tokenizer = await tokenizerFromFiles((name) => files.text(name), {
      where: (name) => `${files.source}${name}`,
    });
    const exported = exportEncoder(config, await readStateDict(files), {
      task,
      quantize: options.quantize ?? false,
      withHiddenState: false,
    });
    const session = await WebOnnxSession.create(exported, {
      ...(options.device ? { device: options.device } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.wasmPaths ? { wasmPaths: options.wasmPaths } : {}),
    });
    const maxLength = Math.min(
      options.maxLength ?? config.maxPositionEmbeddings,
      config.maxPositionEmbeddings,
    );
    return new WebPredictor(config, task, tokenizer, session, maxLength, options);
  }

  /** Predictions for `texts`, in order. `onBatch` reports progress after each batch. */
  async predict(
    texts: readonly string[],
    onBatch?: (done: number, total: number) => void,
  ): Promise<WebPrediction[]> {
    const full = texts.map((text) => this.tokenizer.encode(text));
    const encodings = full.map((encoding, i) =>
      encoding.ids.length > this.maxLength
        ? this.tokenizer.encode(texts[i] as string, { truncation: true, maxLength: this.maxLength })
        : encoding,
    );
    const outputs = await runSequences(
      this.session,
      encodings.map((e) => ({ inputIds: e.ids, tokenTypeIds: e.typeIds })),
      { ...this.options, ...(onBatch ? { onBatch } : {}) },
    );
    const multiLabel = this.config.problemType === 'multi_label_classification';
    return encodings.map((encoding, i) => {
      const logits = outputs[i]?.[LOGITS] as Float32Array;
      const decoded =
        this.task === 'sequence-classification'
          ? decodeSequence(logits, this.config.id2label, multiLabel)
          : decodeTokens(logits, this.config.numLabels, encoding, this.config.id2label, texts[i] as string);
      return { ...decoded, truncated: encoding !== full[i] };
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
