// What every command gets from the entry point: its arguments, the configuration, and where to
// write. Commands write results to stdout and progress to stderr, so results can be piped.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../platform/config.js';
import { KeelError } from '../platform/errors.js';
import { cli_error_codes } from './cli-errors.js';

// cli/main.ts imports the registry from here; it moves to './cli-errors.js' when main.ts is next edited.

type Options = NonNullable<ParseArgsConfig['options']>;

export type CommandContext = {
  args: string[];
  config: Config;
  stdout: (text: string) => void;
  /** Progress for people: shown on a terminal, left out when stderr is a file or pipe. */
  progress: (line: string) => void;
  parse<T extends Options>(
    options: T,
  ): ReturnType<typeof parseArgs<{ options: T; args: string[]; allowPositionals: true }>>;
};

export function usageError(message: string, usage: string): KeelError {
  return new KeelError(cli_error_codes.usage, `${message}\n\n${usage}`);
}

export function parseCommandArgs<T extends Options>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message, usage);
  }
}
