import { BcmbError, type BcmbErrorOptions } from '@bcmb/core';

/** A raw file does not have the shape the adapter expects (bad line, wrong column count, span outside text). */
export class DatasetFormatError extends BcmbError {}

/** Where a user obtains a raw file the adapters read. */
export interface RawFileSource {
  /** Who publishes it, e.g. "PhysioNet (credentialed access)". */
  publisher: string;
  url: string;
  /** How to turn the download into the expected file, when it is not a plain copy. */
  note?: string;
}

/** A raw file the adapter needs is absent: says which file, where it goes and where to get it. */
export class MissingRawFileError extends BcmbError {
  readonly task: string;
  readonly expectedPath: string;
  readonly source: RawFileSource;

  constructor(task: string, expectedPath: string, source: RawFileSource, options: BcmbErrorOptions = {}) {
    const note = source.note === undefined ? '' : ` ${source.note}`;
    super(`${task} raw file not found: ${expectedPath}`, {
      ...options,
      hint: `Download it from ${source.publisher} (${source.url}) and place it at ${expectedPath}.${note}`,
    });
    this.task = task;
    this.expectedPath = expectedPath;
    this.source = source;
  }
}

/** A label or tag that is not in the task's label set; names the record that carries it. */
export class UnknownLabelError extends BcmbError {
  readonly label: string;
  readonly record: string;

  constructor(label: string, record: string, known: readonly string[], options: BcmbErrorOptions = {}) {
    const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, …` : known.join(', ');
    super(`Unknown label ${JSON.stringify(label)} in ${record}`, {
      hint: `Known labels: ${shown}. Check the raw file belongs to this task and release`,
      ...options,
    });
    this.label = label;
    this.record = record;
  }
}

/** `getTask`/`loadTask` was given a name no adapter is registered under. */
export class UnknownTaskError extends BcmbError {
  constructor(name: string, known: readonly string[]) {
    super(`Unknown dataset task ${JSON.stringify(name)}`, {
      hint: `Registered tasks: ${known.join(', ')}. Register your own with registerTask()`,
    });
  }
}

/** `registerTask` was given a name that is already taken. */
export class TaskRegistrationError extends BcmbError {
  constructor(name: string) {
    super(`A dataset task named ${JSON.stringify(name)} is already registered`, {
      hint: 'Choose another name, or pass { replace: true } to registerTask to override it',
    });
  }
}
