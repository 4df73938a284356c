/** One sequence of a packed row after masking: the ids the model sees and the MLM labels (-100 = no loss). */
export interface MlmSequence {
  inputIds: Int32Array;
  labels: Int32Array;
  /** BERT segment ids (the pre-training task's sentence A = 0, B = 1); zeros when absent. */
  tokenTypeIds?: Int32Array;
  /** The pre-training task's next-sentence label: 0 when B follows A, 1 when B is random. */
  nextSentenceLabel?: number;
}

/** `masked-lm` (ModernBERT recipes) or BERT's `pretraining` (MLM + next-sentence prediction, Bio_ClinicalBERT). */
export type PretrainTask = 'masked-lm' | 'pretraining';

/**
 * One optimizer step's worth of data: the packer's rows (one per micro-batch), each the sequences packed into it.
 * The step loss is the mean over rows of each row's mean loss over its labelled tokens (each packed row is one
 * Composer micro-batch of equal weight).
 */
export interface MlmBatch {
  rows: MlmSequence[][];
  /** Non-padding tokens in the batch (what `max_duration: …tok` counts). */
  tokens: number;
  sequences: number;
}

export interface TrainStepResult {
  loss: number;
  /** L2 norm of the raw gradients over all parameters. */
  gradNorm: number;
}

export interface EvalResult {
  /** Sum of per-token cross-entropy over labelled tokens. */
  lossSum: number;
  labelled: number;
  correct: number;
}

/** Optimizer moments and step, as plain arrays (what a checkpoint stores). */
export interface EngineOptimizerState {
  step: number;
  expAvg: Map<string, Float32Array>;
  expAvgSq: Map<string, Float32Array>;
}

/**
 * What the run loop needs from a training engine: forward + backward + optimizer step on a batch of packed MLM
 * sequences, evaluation, and Hugging Face checkpoints. The tfjs engine (`createTfjsEngine`) implements it on
 * `@bcmb/modeling`; an ONNX Runtime training engine can implement the same interface.
 */
export interface PretrainEngine {
  readonly name: string;
  /** Token ids the data pipeline needs. */
  readonly specialIds: { pad: number; mask: number; cls: number | null; sep: number | null };
  readonly vocabSize: number;
  /** Architecture fields of the model's config.json (checked against the YAML's model_config). */
  readonly configFields: Record<string, unknown>;
  trainStep(batch: MlmBatch, lr: number): Promise<TrainStepResult>;
  evaluate(sequences: MlmSequence[]): Promise<EvalResult>;
  optimizerState(): EngineOptimizerState;
  loadOptimizerState(state: EngineOptimizerState): void;
  /** Writes config.json + model.safetensors (Hugging Face layout) into `dir`. */
  saveModel(dir: string): Promise<void>;
  dispose(): void;
}

/** What both engines are built from: the model folder and the optimizer's settings. */
export interface EngineModelOptions {
  /** Hugging Face model folder (config.json + weights; a config-only folder starts from random weights). */
  modelDir: string;
  maxLr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  filterBiasNormWd: boolean;
  /** The tokenizer's [MASK] id (config.json does not carry it for ModernBERT). */
  maskTokenId: number;
}
