import * as tf from '@tensorflow/tfjs-core';
import { dropoutSeed, withDropoutSeeds } from './nn.js';

/** One encoder layer: its input rows and the constant tensors it reads (masks, rotary tables) → output rows. */
export type LayerRun = (input: tf.Tensor2D, constants: tf.Tensor[]) => tf.Tensor2D;

/**
 * Runs one encoder layer, checkpointed or not. Either way its dropout masks come from one seed drawn per layer,
 * so both modes draw the same masks (and give the same gradients) from the same random state.
 */
export function runLayer(
  checkpoint: boolean,
  run: LayerRun,
  input: tf.Tensor2D,
  constants: tf.Tensor[],
  weights: () => tf.Variable[],
): tf.Tensor2D {
  const seed = dropoutSeed();
  return checkpoint
    ? checkpointed(run, input, constants, weights(), seed)
    : withDropoutSeeds(seed, () => run(input, constants));
}

/**
 * Gradient checkpointing (activation recomputation) of one layer: `run(input, constants)` executes without
 * recording its intermediates; during the backward pass it runs again under a fresh tape, and its gradients with
 * respect to `input` and `weights` are computed and everything else it created is freed before the next layer's
 * backward runs. Memory then grows with one layer's intermediates instead of all of them (tfjs otherwise keeps
 * every saved activation and every intermediate gradient until the whole backward pass ends).
 *
 * `constants` (masks, rotary tables) are tensors the layer reads but takes no gradient for; they are kept until
 * the backward pass. Dropout draws the same masks in both runs (`withDropoutSeeds`). Outside a gradient tape
 * this is just `run`.
 */
export function checkpointed(
  run: LayerRun,
  input: tf.Tensor2D,
  constants: tf.Tensor[],
  weights: tf.Variable[],
  seed: number | string = dropoutSeed(),
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
