/**
 * The four pipelines over any engine: text → tokenizer windows → an `EncoderRunner` → merged outputs → the task's
 * answer in Hugging Face's shape. No Node built-ins and no engine: the Node entry (`pipeline()`) gives it an ONNX
 * Runtime or tfjs runner, a browser entry can give it one over onnxruntime-web.
 */
import { type EncoderConfig, TASK_CLASS_SUFFIX, type Task } from '@bcmb/architectures/browser';
import type { Encoding, Tokenizer } from '@bcmb/tokenizer';
import { PipelineInputError, PipelineOptionsError } from './errors.js';
import { type FillMaskOptions, type FillMaskOutput, fillMaskCandidates } from './fill-mask.js';
import { l2Normalize, type Pooling, poolHidden, weightedMean } from './pooling.js';
import { softmax } from './scores.js';
import {
  type ClassificationFunction,
  classifyLogits,
  type TextClassificationLabel,
} from './text-classification.js';
import {
  aggregateTokens,
  type ScoredToken,
  type TokenClassificationOptions,
  type TokenClassificationOutput,
} from './token-classification.js';
import { alignWindows, type WindowedText, windowWeights } from './windows.js';

export type PipelineTask =
  | 'token-classification'
  | 'text-classification'
  | 'fill-mask'
  | 'feature-extraction';

export const PIPELINE_TASKS: readonly PipelineTask[] = [
  'token-classification',
  'text-classification',
  'fill-mask',
  'feature-extraction',
];

/** The model head each task runs (`base`: the encoder's last hidden state, from any checkpoint). */
export const TASK_HEADS: Record<PipelineTask, Task> = {
  'token-classification': 'token-classification',
  'text-classification': 'sequence-classification',
  'fill-mask': 'masked-lm',
  'feature-extraction': 'base',
};

export interface TextClassificationOptions {
  /** How many labels to return, best first; default 1; `null` for all. */
  topK?: number | null;
  /** Default from config.json as transformers chooses it: sigmoid for multi-label, softmax otherwise. */
  functionToApply?: ClassificationFunction;
}

export interface FeatureExtractionOptions {
  /** Default `mean`. */
  pooling?: Pooling;
  /** L2-normalise each embedding (for cosine similarity by dot product). Default false. */
  normalize?: boolean;
}

/** Per task: what one text gives and the options a call takes. */
export interface TaskTypes {
  'token-classification': { output: TokenClassificationOutput[]; options: TokenClassificationOptions };
  'text-classification': { output: TextClassificationLabel[]; options: TextClassificationOptions };
  'fill-mask': { output: FillMaskOutput; options: FillMaskOptions };
  'feature-extraction': { output: Float32Array; options: FeatureExtractionOptions };
}

export type TaskOutput<T extends PipelineTask> = TaskTypes[T]['output'];
export type TaskOptions<T extends PipelineTask> = TaskTypes[T]['options'];

export interface CallOptions {
  /** After each batch the engine runs: windows done, windows in this call. */
  onProgress?: (done: number, total: number) => void;
}

/** One model input, unpadded. */
export interface ModelInput {
  inputIds: readonly number[];
  tokenTypeIds?: readonly number[];
}

/**
 * An engine holding a model: runs inputs (batched as it likes) and returns each one's output in input order —
 * per-token outputs as `[tokens × width]` rows (token logits, MLM logits, hidden states), per-sequence ones as
 * `[width]` (classifier logits).
 */
export interface EncoderRunner {
  run(
    inputs: readonly ModelInput[],
    onBatch?: (done: number, total: number) => void,
  ): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export interface Pipeline<T extends PipelineTask> {
  (text: string, options?: TaskOptions<T> & CallOptions): Promise<TaskOutput<T>>;
  (texts: readonly string[], options?: TaskOptions<T> & CallOptions): Promise<Array<TaskOutput<T>>>;
  readonly task: T;
  readonly config: EncoderConfig;
  readonly tokenizer: Tokenizer;
  /** Tokens per window, special tokens included. */
  readonly maxLength: number;
  /** Tokens each window repeats from the one before. */
  readonly stride: number;
  /** How many windows `text` takes (1 when it fits; text classification reads only the first). */
  countWindows(text: string): number;
  dispose(): Promise<void>;
}

export interface PipelineParts<T extends PipelineTask> {
  task: T;
  config: EncoderConfig;
  tokenizer: Tokenizer;
  runner: EncoderRunner;
  /** Default: the model's context, `min(max_position_embeddings, tokenizer model_max_length)`. */
  maxLength?: number;
  /** Default: a quarter of the window's text tokens. */
  stride?: number;
  /** Defaults for every call. */
  defaults?: TaskOptions<T>;
  /** Where the one-time notices go (transformers' warnings); default console.warn. */
  warn?: (message: string) => void;
}

/** The model's context in tokens: its position table, and the tokenizer's limit when lower. */
export function modelContext(config: EncoderConfig, tokenizer: Tokenizer): number {
  return Math.min(config.maxPositionEmbeddings, tokenizer.modelMaxLength);
}

/** Checks the model and tokenizer fit the task; the errors say what to use instead. */
export function checkModel(task: PipelineTask, config: EncoderConfig, tokenizer: Tokenizer): void {
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new PipelineOptionsError(
      `the tokenizer has ${tokenizer.vocabSize} ids but the model's embedding table only ${config.vocabSize}`,
      { hint: 'Use the tokenizer files saved with this checkpoint' },
    );
  }
  const head = TASK_HEADS[task];
  if (head === 'base') return;
  const has = config.architectures.some((name) =>
    head === 'masked-lm'
      ? /(ForMaskedLM|ForPreTraining)$/.test(name)
      : name.endsWith(
          head === 'token-classification' ? 'ForTokenClassification' : 'ForSequenceClassification',
        ),
  );
  if (!has) {
    const which = config.architectures[0] ?? `a bare ${config.modelType} encoder`;
    const suffix = TASK_CLASS_SUFFIX[head];
    throw new PipelineOptionsError(`${task} needs a …${suffix} checkpoint; this one is ${which}`, {
      hint:
        head === 'masked-lm'
          ? 'Use the pretrained (MLM) checkpoint, e.g. answerdotai/ModernBERT-base'
          : `Fine-tune one with \`bcmb finetune\`, or use feature-extraction for embeddings from any checkpoint`,
    });
  }
  if (head === 'masked-lm' && tokenizer.maskTokenId === undefined) {
    throw new PipelineOptionsError('fill-mask needs a tokenizer with a mask token', {
      hint: 'Add mask_token to tokenizer_config.json or special_tokens_map.json',
    });
  }
}

/**
 * A pipeline from its parts. The texts of a call are tokenized into windows of `maxLength` tokens overlapping by
 * `stride` (text classification reads the first window, as transformers truncates), every window of every text is
 * run in one length-sorted pass, and the outputs are merged back per text: token outputs from the window where each
 * token has the most context, embeddings as the token-count-weighted mean of the windows'.
 */
export function createPipeline<T extends PipelineTask>(parts: PipelineParts<T>): Pipeline<T> {
  const { task, config, tokenizer, runner } = parts;
  checkModel(task, config, tokenizer);
  const context = modelContext(config, tokenizer);
  const maxLength = parts.maxLength ?? context;
  if (!Number.isInteger(maxLength) || maxLength > context) {
    throw new PipelineOptionsError(`maxLength ${maxLength} is beyond the model's ${context}-token context`, {
      hint: `Give a whole number up to ${context}`,
    });
  }
  const specials = tokenizer.encode('').ids.length;
  const textTokens = maxLength - specials;
  if (textTokens < 1) {
    throw new PipelineOptionsError(
      `maxLength ${maxLength} leaves no room for text beside ${specials} special tokens`,
    );
  }
  const stride = parts.stride ?? Math.floor(textTokens / 4);
  if (!Number.isInteger(stride) || stride < 0 || stride >= textTokens) {
    throw new PipelineOptionsError(
      `stride ${stride} must be a whole number below the ${textTokens} text tokens of a ${maxLength}-token window`,
      { hint: `Give a stride from 0 to ${textTokens - 1}` },
    );
  }
  const defaults = (parts.defaults ?? {}) as TaskOptions<T>;
  const warn = parts.warn ?? ((message: string) => console.warn(message));
  let warnedHeuristic = false;
  const windowed = task !== 'text-classification';

  const encodeText = (text: string): Encoding =>
    tokenizer.encode(text, {
      truncation: true,
      maxLength,
      ...(windowed ? { stride, returnOverflowingTokens: true } : {}),
    });

  async function runTexts(
    texts: readonly string[],
    options: TaskOptions<T> & CallOptions,
  ): Promise<Array<TaskOutput<T>>> {
    texts.forEach((text, i) => {
      if (typeof text !== 'string')
        throw new PipelineInputError(`input ${i} is ${text === null ? 'null' : typeof text}, not a string`);
    });
    const aligned = texts.map((text) => alignWindows(encodeText(text), stride));
    const inputs: ModelInput[] = [];
    const firstInput: number[] = [];
    for (const { windows } of aligned) {
      firstInput.push(inputs.length);
      for (const window of windowed ? windows : windows.slice(0, 1))
        inputs.push({ inputIds: window.ids, tokenTypeIds: window.typeIds });
    }
    const outputs = inputs.length === 0 ? [] : await runner.run(inputs, options.onProgress);
    return aligned.map((windowedText, i) =>
      answer(
        texts[i] as string,
        windowedText,
        outputs.slice(firstInput[i] as number, firstInput[i + 1] ?? outputs.length),
        options,
      ),
    );
  }

  function answer(
    text: string,
    { whole, windows, sources }: WindowedText,
    outputs: Float32Array[],
    options: TaskOptions<T> & CallOptions,
  ): TaskOutput<T> {
    const rowOf = (p: number, width: number): Float32Array => {
      const { window, position } = sources[p] as { window: number; position: number };
      return (outputs[window] as Float32Array).subarray(position * width, (position + 1) * width);
    };
    switch (task) {
      case 'text-classification': {
        const o = options as TextClassificationOptions;
        return classifyLogits(outputs[0] as Float32Array, config, {
          ...(o.functionToApply ? { functionToApply: o.functionToApply } : {}),
          topK: o.topK === undefined ? 1 : o.topK,
        }) as TaskOutput<T>;
      }
      case 'token-classification': {
        const o = options as TokenClassificationOptions;
        const strategy = o.aggregationStrategy ?? 'none';
        if (
          !warnedHeuristic &&
          !tokenizer.continuingSubwordPrefix &&
          ['first', 'average', 'max'].includes(strategy)
        ) {
          warnedHeuristic = true;
          warn(
            'Tokenizer does not support real words, using fallback heuristic (transformers: a token continues a word unless it or the character before it is a space)',
          );
        }
        const labels = config.numLabels;
        const tokens: ScoredToken[] = whole.ids.map((id, p) => {
          const [start, end] = whole.offsets[p] as [number, number];
          return {
            index: p,
            id,
            special: whole.specialTokensMask[p] === 1,
            start,
            end,
            scores: softmax(rowOf(p, labels)),
          };
        });
        return aggregateTokens(text, tokens, config.id2label, tokenizer, {
          aggregationStrategy: strategy,
          ...(o.ignoreLabels ? { ignoreLabels: o.ignoreLabels } : {}),
        }) as TaskOutput<T>;
      }
      case 'fill-mask': {
        const mask = tokenizer.maskTokenId;
        const masks = whole.ids.flatMap((id, p) => (id === mask ? [p] : []));
        if (masks.length === 0) {
          const content = tokenizer.specialTokens.mask?.content ?? '[MASK]';
          throw new PipelineInputError(`No mask_token (${content}) found on the input`, {
            hint: `Put ${content} where a token should be predicted`,
          });
        }
        return fillMaskCandidates(
          whole.ids,
          masks,
          (m) => rowOf(masks[m] as number, config.vocabSize),
          tokenizer,
          {
            topK: (options as FillMaskOptions).topK ?? 5,
          },
        ) as TaskOutput<T>;
      }
      case 'feature-extraction': {
        const o = options as FeatureExtractionOptions;
        const pooled = outputs.map((hidden) => poolHidden(hidden, config.hiddenSize, o.pooling ?? 'mean'));
        const joined = weightedMean(pooled, windowWeights(windows));
        return (o.normalize ? l2Normalize(joined) : joined) as TaskOutput<T>;
      }
    }
    throw new PipelineOptionsError(`unknown task ${String(task)}`);
  }

  async function call(
    input: string | readonly string[],
    options: TaskOptions<T> & CallOptions = {} as TaskOptions<T> & CallOptions,
  ): Promise<TaskOutput<T> | Array<TaskOutput<T>>> {
    const merged = { ...defaults, ...options };
    if (typeof input === 'string') return (await runTexts([input], merged))[0] as TaskOutput<T>;
    if (!Array.isArray(input)) {
      throw new PipelineInputError('a pipeline takes a string or an array of strings');
    }
    return runTexts(input, merged);
  }

  return Object.assign(call, {
    task,
    config,
    tokenizer,
    maxLength,
    stride,
    countWindows: (text: string) =>
      1 +
      (tokenizer.encode(text, { truncation: true, maxLength, stride, returnOverflowingTokens: true })
        .overflowing?.length ?? 0),
    dispose: () => runner.dispose(),
  }) as unknown as Pipeline<T>;
}
