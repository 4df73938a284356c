import { TRAINING_ENGINES, type TrainingDevice, type TrainingEngineName } from '@bcmb/trainer';
import { type Command, InvalidArgumentError, Option } from 'commander';

function integerAtLeast(minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`Expected a whole number of at least ${minimum}.`);
    }
    return parsed;
  };
}

/** Commander parser for counts (`--samples 64`). */
export const positiveInteger = integerAtLeast(1);
/** Commander parser for counts that may be zero (`--warmup 0`). */
export const nonNegativeInteger = integerAtLeast(0);

/** Commander parser for shares such as `--warmup-ratio` (transformers refuses values outside [0, 1]). */
export function unitInterval(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new InvalidArgumentError('Expected a number from 0 to 1.');
  }
  return parsed;
}

/** Commander parser for seeds: numpy and torch accept 0 to 2^32 - 1. */
export function seed(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 0 || parsed > 2 ** 32 - 1) {
    throw new InvalidArgumentError('Expected a whole number from 0 to 4294967295.');
  }
  return parsed;
}

/** Commander collector for options given several times or as a comma-separated list (`--datasets a,b --datasets c`). */
export function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  ];
}

/** `--engine`, `--device`, `--threads`: which training engine runs (finetune, sweep, demo). */
export interface EngineFlags {
  engine?: TrainingEngineName;
  device?: TrainingDevice;
  threads?: number;
}

export function addEngineOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--engine <name>',
        'training engine: onnx (ONNX Runtime native kernels) or tfjs (default: onnx when onnxruntime-node loads, else tfjs with a note)',
      ).choices([...TRAINING_ENGINES]),
    )
    .addOption(
      new Option(
        '--device <device>',
        'onnx engine: cpu, or cuda (ONNX Runtime CUDA provider: CUDA 12 + cuDNN 9 and onnxruntime-node’s CUDA binaries)',
      ).choices(['cpu', 'cuda']),
    )
    .option(
      '--threads <n>',
      'onnx engine: ONNX Runtime intra-op threads (default: every core)',
      positiveInteger,
    );
}

/** The engine flags as a command line (what sweep children receive). */
export function engineArgs(flags: EngineFlags): string[] {
  return [
    ...(flags.engine ? ['--engine', flags.engine] : []),
    ...(flags.device ? ['--device', flags.device] : []),
    ...(flags.threads ? ['--threads', String(flags.threads)] : []),
  ];
}

/** The engine flags as finetune options. */
export function engineOptions(flags: EngineFlags): EngineFlags {
  return {
    ...(flags.engine ? { engine: flags.engine } : {}),
    ...(flags.device ? { device: flags.device } : {}),
    ...(flags.threads ? { threads: flags.threads } : {}),
  };
}
