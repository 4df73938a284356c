import * as tf from '@tensorflow/tfjs-core';
import { dropoutSeed, withDropoutSeeds } from './nn.js';

/** One encoder layer: its input rows and the constant tensors it reads (masks, rotary tables) → output rows. */
export type LayerRun = (input: tf.Tensor2D, constants: tf.Tensor[]) => tf.Tensor2D;

/** One block of an encoder layer (attention or feed-forward), as `runBlocks` takes it (gradient checkpointing). */
export interface RecomputedBlock {
  run: LayerRun;
  /** Tensors the block reads without taking their gradient (masks, rotary tables). */
  constants: tf.Tensor[];
  /** The block's trainable weights. */
  weights: () => tf.Variable[];
}

/**
 * How encoder blocks run: `plain` (tfjs autodiff through everything), `blocks` (each block checkpointed on its
 * own; every block's output stays available) or `stack` (the whole stack is one checkpointed node, see
 * `checkpointedStack`; only the last output is returned).
 */
export type RecomputeMode = 'plain' | 'blocks' | 'stack';

/**
 * Runs `blocks` in order from `input` and returns their outputs (`stack`: the last one only). In every mode each
 * block's dropout masks come from one seed drawn for it here, so all modes draw the same masks (and give the same
 * gradients) from the same random state.
 */
export function runBlocks(blocks: RecomputedBlock[], input: tf.Tensor2D, mode: RecomputeMode): tf.Tensor2D[] {
  const seeds = blocks.map(() => dropoutSeed());
  if (mode === 'stack') return [checkpointedStack(blocks, seeds, input)];
  const outputs: tf.Tensor2D[] = [];
  let hidden = input;
  blocks.forEach((block, i) => {
    hidden =
      mode === 'blocks'
        ? checkpointed(block.run, hidden, block.constants, block.weights(), seeds[i]!)
        : withDropoutSeeds(seeds[i]!, () => block.run(hidden, block.constants));
    outputs.push(hidden);
  });
  return outputs;
}

/**
 * The whole stack of blocks as one node with its own gradient: the forward pass keeps only each block's input;
 * the backward pass walks the blocks from the last, recomputing each under a fresh tape, and frees each block's
 * input and incoming gradient as soon as the block is done. Per-block checkpointing alone still leaves tfjs holding
 * every block boundary's gradient until the backward pass ends.
 */
function checkpointedStack(
  blocks: RecomputedBlock[],
  seeds: (number | string)[],
  input: tf.Tensor2D,
): tf.Tensor2D {
  const constants = [...new Set(blocks.flatMap((block) => block.constants))];
  const weights = blocks.map((block) => block.weights());
  const stack = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs: tf.Tensor2D[] = [];
    let hidden = args[0] as tf.Tensor2D;
    blocks.forEach((block, i) => {
      inputs.push(hidden);
      const x = hidden;
      hidden = withDropoutSeeds(seeds[i]!, () => block.run(x, block.constants));
    });
    save([...inputs, ...constants]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const savedInputs = saved.slice(0, blocks.length) as tf.Tensor2D[];
      const savedConstant = new Map(constants.map((constant, i) => [constant, saved[blocks.length + i]!]));
      const weightGrads: tf.Tensor[][] = [];
      let grad = dy as tf.Tensor2D;
      for (let i = blocks.length - 1; i >= 0; i--) {
        const block = blocks[i]!;
        const blockConstants = block.constants.map((constant) => savedConstant.get(constant)!);
        const recompute = () => withDropoutSeeds(seeds[i]!, () => block.run(savedInputs[i]!, blockConstants));
        const [dx, ...dWeights] = gradientsUnderNestedTape(
          recompute,
          [savedInputs[i]!, ...weights[i]!],
          grad,
        );
        if (grad !== dy) grad.dispose();
        savedInputs[i]!.dispose();
        grad = dx as tf.Tensor2D;
        weightGrads[i] = dWeights;
      }
      return [grad, ...weightGrads.flat()];
    };
    return { value: hidden, gradFunc };
  });
  return stack(input, ...weights.flat()) as tf.Tensor2D;
}

/**
 * Gradient checkpointing (activation recomputation) of one block: `run(input, constants)` executes without
 * recording its intermediates; during the backward pass it runs again under a fresh tape, its gradients with
 * respect to `input` and `weights` are computed, and everything else it created is freed before the next block's
 * backward runs (tfjs otherwise keeps every saved activation and every intermediate gradient until the whole
 * backward pass ends). `constants` are kept until the backward pass; dropout draws the same masks in both runs.
 */
function checkpointed(
  run: LayerRun,
  input: tf.Tensor2D,
  constants: tf.Tensor[],
  weights: tf.Variable[],
  seed: number | string,
): tf.Tensor2D {
  const layer = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const x = args[0] as tf.Tensor2D;
    save([x, ...constants]);
    const value = withDropoutSeeds(seed, () => run(x, constants));
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedInput, ...savedConstants] = saved as [tf.Tensor2D, ...tf.Tensor[]];
      const recompute = () => withDropoutSeeds(seed, () => run(savedInput, savedConstants));
      return gradientsUnderNestedTape(recompute, [savedInput, ...weights], dy as tf.Tensor2D);
    };
    return { value, gradFunc };
  });
  return layer(input, ...weights) as tf.Tensor2D;
}

/** The slice of tfjs's engine state this module touches. */
interface EngineTapeState {
  state: { activeTape: unknown };
}

/**
 * d(f)/d(xs) · dy, computed while an outer backward pass is running. tfjs's engine shares one tape slot between
 * nested `gradients` calls: an inner call made during the outer backward pass replaces it and clears it when it
 * ends, and the outer call then fails to release its own saved tensors. The outer tape is put back afterwards.
 */
function gradientsUnderNestedTape(f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const engine = tf.engine() as unknown as EngineTapeState;
  const outerTape = engine.state.activeTape;
  try {
    const { value, grads } = tf.engine().gradients(f, xs, dy, true);
    value.dispose();
    return grads.map((grad, i) => grad ?? tf.zerosLike(xs[i]!));
  } finally {
    engine.state.activeTape = outerTape;
  }
}
