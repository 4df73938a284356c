/** The head on top of the encoder, named after the `transformers` class suffix. */
export type Task = 'base' | 'masked-lm' | 'sequence-classification' | 'token-classification';

export const TASK_CLASS_SUFFIX: Record<Task, string> = {
  base: 'Model',
  'masked-lm': 'ForMaskedLM',
  'sequence-classification': 'ForSequenceClassification',
  'token-classification': 'ForTokenClassification',
};

/** Sequence-classification loss choice, as `transformers` names it in `config.problem_type`. */
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

/** The head named by config.json `architectures[0]` (`…ForMaskedLM` → masked-lm), `base` when none matches. */
export function taskFromArchitecture(architecture: string): Task {
  if (architecture.endsWith('ForPreTraining')) return 'masked-lm';
  const found = (Object.entries(TASK_CLASS_SUFFIX) as [Task, string][]).find(
    ([task, suffix]) => task !== 'base' && architecture.endsWith(suffix),
  );
  return found ? found[0] : 'base';
}
