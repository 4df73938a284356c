// @bcmb/pipeline in a browser (`@bcmb/pipeline/browser`): model folders from a URL or picked files, the ONNX
// graph built in the page and run by onnxruntime-web. No Node built-ins.

export {
  type ModelFiles,
  ModelFilesError,
  modelFilesFromBlobs,
  modelFilesFromUrl,
  type NamedBlob,
} from './browser/model-files.js';
export {
  type WebPrediction,
  WebPredictor,
  type WebPredictorOptions,
  type WebPredictTask,
} from './browser/web-predictor.js';
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
