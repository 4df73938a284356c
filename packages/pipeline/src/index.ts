export * from './browser.js';
export {
  type EngineOptions,
  exportedModelRunner,
  loadRunner,
  type PipelineDtype,
  type PipelineEngine,
} from './engine.js';
export { type PipelineOptions, pipeline } from './pipeline.js';
