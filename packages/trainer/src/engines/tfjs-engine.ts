import type { StateDict } from '@bcmb/architectures';
import { configJson, type EncoderModel, stateDictOf } from '@bcmb/modeling';
import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, disposeBatch, type HostBatch } from '../collate.js';
import { accumulate, disposeGrads, lossAndGradients } from '../loss-gradients.js';
import { AdamW, type AdamWState } from '../optim/adamw.js';
import { clipGradNorm } from '../optim/clip.js';
import { weightDecayByParameter } from '../optim/param-groups.js';
import { seededRandom, withMathRandom } from '../seed.js';
import type { EvaluationBatchResult, MicroStep, MicroStepResult, TrainingEngine } from './engine.js';
import { assignWeights, pytorchShape, transpose2d } from './layout.js';

export interface TfjsEngineOptions {
  weightDecay: number;
  maxGradNorm: number;
  /** Seeds dropout: each micro-batch draws from `seededRandom(seed, 'dropout', epoch, batch, micro)`. */
  seed: number;
}

/** The Trainer on @bcmb/modeling: tfjs gradients, clipping and AdamW on the model's own variables. */
export class TfjsTrainingEngine implements TrainingEngine {
  readonly name = 'tfjs' as const;
  private readonly optimizer: AdamW;
  private summed: Map<string, tf.Tensor> | null = null;

  constructor(
    private readonly model: EncoderModel,
    private readonly options: TfjsEngineOptions,
  ) {
    const parameters = model.parameters();
    this.optimizer = new AdamW(parameters, weightDecayByParameter(parameters.keys(), options.weightDecay));
  }

  async startEpoch(): Promise<void> {}

  async step(host: HostBatch, micro: MicroStep): Promise<MicroStepResult> {
    const batch = batchTensors(host);
    const result = withMathRandom(
      seededRandom(this.options.seed, 'dropout', micro.epoch, micro.batch, micro.micro),
      () => lossAndGradients(this.model, batch, { share: micro.share, divisor: micro.divisor }),
    );
    disposeBatch(batch);
    this.summed = accumulate(this.summed, result.grads);
    if (!micro.update || !Number.isFinite(result.loss)) return { loss: result.loss, gradNorm: undefined };
    const clipped = clipGradNorm(this.summed, this.options.maxGradNorm);
    this.discardGradients();
    this.optimizer.step(clipped.grads, micro.lr);
    disposeGrads(clipped.grads);
    return { loss: result.loss, gradNorm: clipped.totalNorm };
  }

  discardGradients(): void {
    if (this.summed) disposeGrads(this.summed);
    this.summed = null;
  }

  async evaluate(host: HostBatch): Promise<EvaluationBatchResult> {
    const batch = batchTensors(host);
    const [loss, flat] = tf.tidy(() => {
      const output = this.model.forward(batch, { training: false });
      return [output.loss!.dataSync()[0]!, output.logits!.dataSync() as Float32Array];
    });
    disposeBatch(batch);
    const [examples, length] = host.shape;
    const perExample = flat.length / examples;
    const token = host.kind === 'token';
    const logits = host.lengths.map((exampleLength, b) => {
      const start = b * perExample;
      const width = token ? (perExample / length) * exampleLength : perExample;
      return flat.slice(start, start + width);
    });
    return { loss, logits };
  }

  stateDict(): StateDict {
    return stateDictOf(this.model);
  }

  loadStateDict(dict: StateDict, file: string): void {
    assignWeights(this.model, dict, file);
  }

  trainableShapes(): Map<string, number[]> {
    return new Map(
      [...this.model.params.variables.keys()].map((name) => [name, pytorchShape(this.model, name)]),
    );
  }

  async optimizerState(): Promise<AdamWState> {
    const state = await this.optimizer.state();
    for (const [name, moments] of state.moments) {
      const shape = this.model.params.variables.get(name)!.shape;
      if (!this.model.params.transposed.has(name)) continue;
      moments.expAvg = transpose2d(moments.expAvg, shape[0]!, shape[1]!);
      moments.expAvgSq = transpose2d(moments.expAvgSq, shape[0]!, shape[1]!);
    }
    return state;
  }

  loadOptimizerState(state: AdamWState): void {
    const moments = new Map(state.moments);
    for (const name of this.model.params.transposed) {
      const found = moments.get(name);
      const shape = this.model.params.variables.get(name)!.shape;
      if (!found) continue;
      // Stored as PyTorch's [out, in]: back to the variable's [in, out].
      moments.set(name, {
        expAvg: transpose2d(found.expAvg, shape[1]!, shape[0]!),
        expAvgSq: transpose2d(found.expAvgSq, shape[1]!, shape[0]!),
      });
    }
    this.optimizer.loadState({ step: state.step, moments });
  }

  configJson(): string {
    return configJson(this.model);
  }

  async syncModel(): Promise<void> {}

  async dispose(): Promise<void> {
    this.discardGradients();
    this.optimizer.dispose();
  }
}
