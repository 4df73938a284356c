import type { StateDict } from '@bcmb/architectures';
import type { HostBatch } from '../collate.js';
import type { AdamWState } from '../optim/adamw.js';

/** `onnx`: ONNX Runtime's native kernels (CPU, or CUDA); `tfjs`: @bcmb/modeling on the installed tfjs backend. */
export type TrainingEngineName = 'onnx' | 'tfjs';
export const TRAINING_ENGINES: readonly TrainingEngineName[] = ['onnx', 'tfjs'];

export type TrainingDevice = 'cpu' | 'cuda';

/** One micro-batch of a training step, as the Trainer schedules it. */
export interface MicroStep {
  /** The micro-batch's loss is scaled by `share / divisor` (its share of the batch, accumulation). */
  share: number;
  divisor: number;
  /** Learning rate of the optimizer step this micro-batch belongs to. */
  lr: number;
  /** Whether the optimizer step (clip + AdamW) follows this micro-batch. */
  update: boolean;
  /** Where the micro-batch sits in the run (seeds the tfjs engine's dropout). */
  epoch: number;
  batch: number;
  micro: number;
}

export interface MicroStepResult {
  /** The loss × share / divisor. */
  loss: number;
  /** Global gradient norm before clipping, when an optimizer step was taken. */
  gradNorm: number | undefined;
}

export interface EvaluationBatchResult {
  /** Mean loss of the batch. */
  loss: number;
  /** Logits per example: `[C]`, or `[L·C]` row-major over the example's own tokens for token tasks. */
  logits: Float32Array[];
}

/**
 * What the Trainer needs from an engine: training steps with gradient accumulation, clipping and AdamW (the
 * Trainer's decay groups), an evaluation forward, and the weights and optimizer state in the checkpoint's layout
 * (Hugging Face names and PyTorch shapes), so checkpoints do not depend on the engine that wrote them.
 */
export interface TrainingEngine {
  readonly name: TrainingEngineName;
  /** Called before each epoch's first step. */
  startEpoch(epoch: number): Promise<void>;
  step(batch: HostBatch, micro: MicroStep): Promise<MicroStepResult>;
  evaluate(batch: HostBatch): Promise<EvaluationBatchResult>;
  /** Current weights by Hugging Face name, PyTorch layout (what model.safetensors holds). */
  stateDict(): StateDict;
  loadStateDict(dict: StateDict, file: string): void;
  /** The parameters the optimizer updates (what optimizer.safetensors holds), PyTorch shapes. */
  trainableShapes(): Map<string, number[]>;
  /** AdamW moments by Hugging Face name, PyTorch layout, and the step count. */
  optimizerState(): Promise<AdamWState>;
  loadOptimizerState(state: AdamWState): void;
  /** config.json as `save_pretrained` writes it. */
  configJson(): string;
  /** Copies the engine's weights into the user's tfjs model (after training, so the model holds the result). */
  syncModel(): Promise<void>;
  dispose(): Promise<void>;
}
