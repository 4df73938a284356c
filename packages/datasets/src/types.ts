/**
 * The three problem types of the benchmark, as the fine-tuning code branches on them (collation, metrics,
 * head). A model config's `problem_type` is another thing: `@bcmb/architectures`' `ConfigProblemType`.
 */
export type ProblemType = 'single_label' | 'multi_label' | 'token';

/** A text with one class id (ChemProt). `id` is the row's identifier in the raw file, when it has one. */
export interface SingleLabelExample {
  text: string;
  labels: number;
  id?: string;
}

/** A text with a multi-hot vector over the label names, 0.0/1.0 as in the research code (Phenotype). */
export interface MultiLabelExample {
  text: string;
  labels: number[];
}

/** Pre-split words with one BIO tag id per word (DEID, COS, SocialHistory). */
export interface TokenExample {
  tokens: string[];
  nerTags: number[];
}

export type TaskExample = SingleLabelExample | MultiLabelExample | TokenExample;

/** Something the adapter noticed and handled the way the research code does, reported instead of dropped. */
export interface DatasetWarning {
  /** Stable machine-readable kind, e.g. `skipped_txt_without_ann`. */
  code: string;
  message: string;
  file?: string;
  line?: number;
}

/** The output of every adapter: three splits in the research code's order and the label names by id. */
export interface DatasetSplits<E extends TaskExample = TaskExample> {
  train: E[];
  validation: E[];
  test: E[];
  /** `labelNames[id]` is the name of label id `id`. */
  labelNames: string[];
  warnings: DatasetWarning[];
}

export interface AdapterLoadOptions {
  /** Show a progress bar for long reads; defaults to stderr being a TTY. */
  progress?: boolean;
}

/**
 * One benchmark task. Implement this and pass it to `registerTask` to make `loadTask` know a new task.
 * `load` must be deterministic: the same raw files give the same splits.
 */
export interface TaskAdapter<E extends TaskExample = TaskExample> {
  /** Name used by `loadTask` and the CLI (`--dataset`), e.g. `ChemProt`. */
  name: string;
  problemType: ProblemType;
  /**
   * The task's label set in id order. For tasks whose order comes from the data (ChemProt),
   * this is the official release's order; `load` returns the order actually used.
   */
  labelNames: readonly string[];
  /** Bump when the adapter's output changes: it invalidates processed caches. */
  version: string;
  /** Folder name under `data/raw` and `data/processed` (the research repo's spelling). */
  dirName: string;
  /** Every raw file `load` reads (absolute paths); throws `MissingRawFileError` when one is absent. */
  inputFiles(rawDir: string): Promise<string[]>;
  load(rawDir: string, options?: AdapterLoadOptions): Promise<DatasetSplits<E>>;
}
