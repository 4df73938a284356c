import { readFileSync } from 'node:fs';
import { isBcmbError } from '@bcmb/core';
import { Command, CommanderError } from 'commander';

/** This package's version, read from its package.json (one level above both src/ and dist/). */
export function cliVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The `bcmb` root command; each subcommand module adds itself with `program.addCommand(...)`. */
export function createProgram(commands: readonly Command[]): Command {
  const program = new Command('bcmb')
    .description(
      'BioClinical ModernBERT and Bio_ClinicalBERT in TypeScript: fine-tune, evaluate, measure speed.',
    )
    .version(cliVersion(), '-V, --version', 'print the bcmb version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of commands) program.addCommand(command.exitOverride());
  return program;
}

/**
 * Runs the program and turns failures into one line on stderr and a non-zero exit code: bcmb's own
 * errors (bad input, a model that fails to load, a missing engine) print their message; anything else
 * is a bug and prints its stack.
 */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isBcmbError(error)) {
      process.stderr.write(`bcmb: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(
      `bcmb: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 2;
  }
}
