import { TaskRegistrationError, UnknownTaskError } from './errors.js';
import { chemProt } from './tasks/chemprot.js';
import { cos } from './tasks/cos.js';
import { deid } from './tasks/deid.js';
import { phenotype } from './tasks/phenotype.js';
import { socialHistory } from './tasks/social-history.js';
import type {
  MultiLabelExample,
  SingleLabelExample,
  TaskAdapter,
  TaskExample,
  TokenExample,
} from './types.js';

/** The example type each built-in task produces, so `loadTask('ChemProt')` is typed. */
export interface BuiltinTaskExamples {
  Phenotype: MultiLabelExample;
  ChemProt: SingleLabelExample;
  DEID: TokenExample;
  COS: TokenExample;
  SocialHistory: TokenExample;
}

export type BuiltinTaskName = keyof BuiltinTaskExamples;

const adapters = new Map<string, TaskAdapter>();

/**
 * Makes a task known to `getTask` / `loadTask` under `adapter.name`. Registering a name that exists
 * replaces the adapter only when `replace` is true.
 */
export function registerTask<E extends TaskExample>(
  adapter: TaskAdapter<E>,
  options: { replace?: boolean } = {},
): void {
  if (adapters.has(adapter.name) && options.replace !== true) {
    throw new TaskRegistrationError(adapter.name);
  }
  adapters.set(adapter.name, adapter as unknown as TaskAdapter);
}

export function getTask<N extends BuiltinTaskName>(name: N): TaskAdapter<BuiltinTaskExamples[N]>;
export function getTask(name: string): TaskAdapter;
/** The adapter registered under `name`; an `UnknownTaskError` listing the known names otherwise. */
export function getTask(name: string): TaskAdapter {
  const adapter = adapters.get(name);
  if (adapter === undefined) throw new UnknownTaskError(name, listTasks());
  return adapter;
}

/** Names of the registered tasks, built-ins first. */
export function listTasks(): string[] {
  return [...adapters.keys()];
}

for (const adapter of [phenotype, chemProt, deid, cos, socialHistory] as TaskAdapter[]) registerTask(adapter);
