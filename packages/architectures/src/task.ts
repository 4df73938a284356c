/** The head on top of the encoder, named after the `transformers` class suffix. */
export type Task = 'base' | 'masked-lm' | 'sequence-classification' | 'token-classification' | 'pretraining';

export const TASK_CLASS_SUFFIX: Record<Task, string> = {
  base: 'Model',
  'masked-lm': 'ForMaskedLM',
  'sequence-classification': 'ForSequenceClassification',
  'token-classification': 'ForTokenClassification',
  // BERT's pre-training heads: MLM + next-sentence prediction on the pooler (BertForPreTraining).
  pretraining: 'ForPreTraining',
};

/**
 * config.json `problem_type`: the sequence-classification loss choice, with `transformers`' values. Not the
 * benchmark task's problem type (`@bcmb/datasets`' `ProblemType`: single_label, multi_label, token).
 */
export type ConfigProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

/**
 * The head named by config.json `architectures[0]` (`…ForMaskedLM` → masked-lm), `base` when none matches. A
 * `…ForPreTraining` checkpoint loads as masked-lm (its MLM head; the NSP head is only for pre-training, which asks
 * for the `pretraining` task explicitly).
 */
export function taskFromArchitecture(architecture: string): Task {
  if (architecture.endsWith('ForPreTraining')) return 'masked-lm';
  const found = (Object.entries(TASK_CLASS_SUFFIX) as [Task, string][]).find(
    ([task, suffix]) => task !== 'base' && task !== 'pretraining' && architecture.endsWith(suffix),
  );
  return found ? found[0] : 'base';
}
