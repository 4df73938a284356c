import type { ConfigReader, EncoderConfigBase } from './config-reader.js';
import type { EncoderOps, ForwardResult } from './ops.js';
import type { Task } from './task.js';

/**
 * How a parameter is drawn when the checkpoint does not provide it, following each family's `_init_weights`.
 * `truncated` cuts at ±2σ, ModernBERT's `initializer_cutoff_factor` 2.0.
 */
export type Init =
  | { kind: 'normal'; std: number; zeroRow?: number | null }
  | { kind: 'truncated'; std: number }
  | { kind: 'ones' }
  | { kind: 'zeros' };

/**
 * The module a parameter belongs to: `linear` weights are `[out, in]` (engines may store them transposed);
 * `norm` parameters are LayerNorm's (the Trainer's weight decay skips them, as it skips every bias).
 */
export type ParameterRole = 'linear' | 'bias' | 'embedding' | 'norm' | 'other';

export interface ParameterSpec {
  /** `transformers` weight name, backbone prefix included. */
  name: string;
  /** PyTorch shape. */
  shape: number[];
  role: ParameterRole;
  init: Init;
  /** nn.Embedding's `padding_idx`: that row gets no gradient. */
  paddingIdx?: number | null;
}

/**
 * Everything bcmb knows about one encoder family, in one file per family. Engines compile `forward`; loaders,
 * the trainer and the benches read the rest. `C` is the family's typed config.
 */
export interface Family<
  C extends EncoderConfigBase & { modelType: string } = EncoderConfigBase & { modelType: string },
> {
  /** `config.model_type`. */
  modelType: C['modelType'];
  /** Prefix of the `transformers` class names (`Bert` → `BertForMaskedLM`). */
  classPrefix: string;
  /** `base_model_prefix` + '.': where the backbone's weights sit in a task model. */
  backbonePrefix: string;
  /** config.json keys that identify the family when neither `model_type` nor `architectures` is given. */
  legacyConfigKeys?: readonly string[];
  /** Reads the family's fields of config.json (the shared ones are already read). */
  parseConfig(reader: ConfigReader, base: EncoderConfigBase): C;
  /** Whether the graph takes `token_type_ids`. */
  usesTokenTypes: boolean;
  /** Every trainable parameter of the model for `task`, in module order. */
  parameters(config: C, task: Task): ParameterSpec[];
  /** Weight names that alias another parameter (a tied MLM decoder) → the parameter they alias. */
  tiedWeights(config: C, task: Task): Map<string, string>;
  /** Checkpoint keys `transformers` drops silently on load (beyond tied aliases and buffers). */
  ignoredOnLoad(key: string, task: Task): boolean;
  /** Parameters a checkpoint often lacks and that are initialised and announced like a head (BERT's pooler). */
  initialisedLikeHead(name: string, task: Task): boolean;
  /**
   * Multiply-add FLOPs (2 per MAC) of the encoder's matrix products for one forward pass of `batch` sequences of
   * `length` tokens: projections and MLPs plus QKᵀ and attention·V over the keys each query may see.
   */
  forwardFlops(config: C, batch: number, length: number): number;
  /** The forward pass, written once against the engine operations. */
  forward<T>(ops: EncoderOps<T>, config: C, task: Task): ForwardResult<T>;
}

/** The backbone prefix of a model for `task` ('' for a bare base model). */
export function backbonePrefix(family: Family, task: Task): string {
  return task === 'base' ? '' : family.backbonePrefix;
}

/** Keys a query sees summed over the sequence: L² for full attention, the clipped band for a sliding window. */
export function attendedPairs(length: number, halfWindow: number | null): number {
  if (halfWindow === null) return length * length;
  let pairs = 0;
  for (let i = 0; i < length; i++)
    pairs += Math.min(length - 1, i + halfWindow) - Math.max(0, i - halfWindow) + 1;
  return pairs;
}
