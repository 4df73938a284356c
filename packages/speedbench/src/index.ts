export {
  type Attempt,
  CPU_MIN_GAIN,
  CPU_SEARCH_MAX_BATCH,
  type Probe,
  RESEARCH_SEARCH_LIMIT,
  RESEARCH_SEARCH_START,
  researchLargestBatchSize,
  type SearchResult,
  type SearchTrial,
  type ThroughputSearchOptions,
  throughputBestBatchSize,
} from './batch-search.js';
export { renderSpeedChart, speedChartSpec } from './chart.js';
export type {
  EngineBatch,
  EngineFactory,
  EngineRegistration,
  InferenceEngine,
  LoadedModel,
} from './engine.js';
export { registerEngine, registeredEngines, selectEngines } from './engine-registry.js';
export {
  BatchSizeSearchError,
  BenchmarkRunError,
  EngineUnavailableError,
  ModelLoadError,
  UnknownWorkloadError,
} from './errors.js';
export { type EstimateSettings, formatDuration, measureGemmRate, workloadFlops } from './estimate.js';
export { type ModelInfo, readModelInfo } from './model-info.js';
export {
  describeHost,
  markdownReport,
  RESEARCH_RESULTS_SUFFIX,
  type ReportMeta,
  type ResearchDatasetEntry,
  researchResults,
  researchResultsPath,
  type WrittenReport,
  writeSpeedReport,
} from './report.js';
export {
  type BatchSizeSource,
  type BenchmarkOptions,
  type BenchmarkTarget,
  benchmarkModel,
  type DatasetTiming,
  DEFAULT_ITERS,
  DEFAULT_MEMORY_BUDGET_SHARE,
  DEFAULT_WARMUP_BATCHES,
  type ModelEngineResult,
  selectDatasets,
} from './runner.js';
export { TORCH_DEFAULT_SEED, TorchCpuGenerator } from './torch-random.js';
export {
  DEFAULT_SAMPLES,
  DEFAULT_SEED,
  generateWorkloads,
  TOKEN_ID_HIGH,
  TOKEN_ID_LOW,
  WORKLOAD_NAMES,
  WORKLOAD_SPECS,
  type Workload,
  type WorkloadBatch,
  type WorkloadName,
  type WorkloadOptions,
  type WorkloadSpec,
  workloadBatch,
  workloadLengths,
  workloadSpec,
  workloadsForMaxLength,
} from './workloads.js';
