export {
  type Average,
  accuracy,
  type ClassLabel,
  computeSingleLabelMetrics,
  DEFAULT_POS_LABEL,
  type PerClassScores,
  type PrecisionRecallF1Options,
  precisionRecallF1,
  precisionRecallF1PerClass,
  type SingleLabelMetrics,
} from './classification.js';
export { isMetricsInputError, MetricsInputError, type MetricsInputProblem } from './errors.js';
export { argmax, type LogitRow, MULTILABEL_LOGIT_THRESHOLD, thresholdLogits } from './logits.js';
export {
  computeMultiLabelMetrics,
  type IndicatorMatrix,
  type MultiLabelMetrics,
  type MultilabelOptions,
  multilabelPerColumn,
  multilabelPrecisionRecallF1,
  type PerColumnScores,
  subsetAccuracy,
} from './multilabel.js';
export { pythonFloatRepr } from './python-float.js';
export { comparePythonStrings } from './python-order.js';
export { DEFAULT_ZERO_DIVISION, type Scores, type SetAverage, type ZeroDivision } from './scores.js';
export {
  type Entity,
  extractEntities,
  type SeqevalMode,
  type SeqevalOptions,
  type SeqevalResult,
  type SeqevalTypeScores,
  seqeval,
  seqevalAccuracy,
  type TagSequence,
  UNTYPED_ENTITY,
} from './seqeval.js';
export {
  type AlignedTags,
  alignTokenPredictions,
  computeTokenClassificationMetrics,
  type Id2Label,
  IGNORED_LABEL_ID,
} from './token-classification.js';
