export { AutodiffError } from '../autodiff/errors.js';
export { type GradientOptions, gradients } from '../autodiff/gradients.js';
export { DIFFERENTIABLE_OPERATORS, type GradientRule } from '../autodiff/rules.js';
export { ShapeTable, type ValueMeta } from '../autodiff/shapes.js';
export { type FusedUnit, gelu } from '../autodiff/units.js';
export { OnnxInputError, OnnxRuntimeMissingError } from '../errors.js';
export {
  type Dim,
  type ElementType,
  GraphBuilder,
  type GraphNode,
  type ModelProto,
  MS_DOMAIN,
  serializeModel,
} from '../graph.js';
export { TrainingGraphError } from './errors.js';
export {
  ADAM_BETA1,
  ADAM_BETA2,
  ADAM_EPSILON,
  type AdamWConfig,
  adamWScalars,
  CLIP_EPSILON,
  clippedAdamW,
  emitClipAndAdamW,
  type GraphOptimizer,
  MAX_GRAD_NORM,
  OPTIMIZER_INPUTS,
  type OptimizerOutputs,
  type OptimizerSlot,
} from './optimizer.js';
export {
  type FeedTensor,
  type GraphOptimizationLevel,
  type ParameterMoments,
  type StepControl,
  type TrainableParameter,
  type TrainingModel,
  TrainingSession,
  type TrainingSessionOptions,
  type TrainingStepResult,
} from './session.js';
export {
  debiasBeta,
  STABLE_ADAMW_INPUTS,
  type StableAdamWConfig,
  stableAdamW,
} from './stable-adamw.js';
