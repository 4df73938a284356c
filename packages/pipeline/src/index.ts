export {
  decodeSequence,
  decodeTokens,
  type EntitySpan,
  entitiesFromWords,
  type SequencePrediction,
  type TokenAlignment,
  type TokenPrediction,
  type WordPrediction,
} from './decode.js';
export {
  type PredictEngine,
  type Prediction,
  Predictor,
  type PredictorOptions,
  type PredictTask,
} from './predictor.js';
