import type { EncoderModel } from '@bcmb/modeling';
import { assertCudaProviderInstalled, onnxRuntimeAvailable } from '@bcmb/onnx';
import { TrainingError } from '../errors.js';
import type { TrainingDevice, TrainingEngine, TrainingEngineName } from './engine.js';
import { OnnxTrainingEngine } from './onnx-engine.js';
import { TfjsTrainingEngine } from './tfjs-engine.js';

export interface EngineChoice {
  /** `auto` (default): onnx when onnxruntime-node loads, else tfjs. */
  engine?: TrainingEngineName | 'auto';
  /** ONNX Runtime's execution provider (onnx engine only); default cpu. */
  device?: TrainingDevice;
  /** ONNX Runtime intra-op threads; default every core. */
  threads?: number;
}

/**
 * The engine to train on: the requested one, or with `auto` ONNX Runtime when it loads and tfjs otherwise; `note`
 * receives one line saying why tfjs was chosen.
 */
export async function resolveEngine(
  choice: EngineChoice,
  note: (line: string) => void = () => {},
): Promise<TrainingEngineName> {
  const requested = choice.engine ?? 'auto';
  if (requested === 'tfjs' && choice.device === 'cuda')
    throw new TrainingError('--device cuda needs the onnx engine', {
      hint: 'Use --engine onnx --device cuda (ONNX Runtime’s CUDA provider), or --device cpu with tfjs',
    });
  const available = requested === 'tfjs' ? true : await onnxRuntimeAvailable();
  // The file onnxruntime-node's CUDA install adds: a missing one fails here, not after the data is loaded.
  if (choice.device === 'cuda' && available === true) assertCudaProviderInstalled();
  if (requested !== 'auto') return requested;
  if (available === true) return 'onnx';
  if (choice.device === 'cuda')
    throw new TrainingError(`--device cuda needs onnxruntime-node, which cannot load: ${available}`, {
      hint: 'Install it next to bcmb: npm i onnxruntime-node',
    });
  note(`Training on tfjs: ${available} (install onnxruntime-node for the faster ONNX Runtime engine)`);
  return 'tfjs';
}

export interface EngineSettings {
  weightDecay: number;
  maxGradNorm: number;
  seed: number;
  /** Whether steps accumulate micro-batches or batches before each optimizer step. */
  accumulating: boolean;
  /** The ONNX engine may dispose the tfjs model once its weights are copied (see `TrainerOptions.ownsModel`). */
  releaseModel?: boolean;
}

export function createTrainingEngine(
  name: TrainingEngineName,
  model: EncoderModel,
  settings: EngineSettings,
  choice: EngineChoice = {},
): TrainingEngine {
  if (name === 'tfjs') return new TfjsTrainingEngine(model, settings);
  return new OnnxTrainingEngine(model, {
    ...settings,
    ...(choice.device ? { device: choice.device } : {}),
    ...(choice.threads ? { threads: choice.threads } : {}),
  });
}
