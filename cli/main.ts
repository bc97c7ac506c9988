#!/usr/bin/env node
// The `keel` command: one entry point, a subcommand per job. Exit codes: 0 done, 1 failed,
// 2 wrong usage or configuration.
import { describeError, isKeelError } from '../platform/errors.js';
import { cli_error_codes } from './cli-errors.js';
import { parseCommandArgs, type CommandContext } from './command.js';
import { commands } from './commands.js';

const usage = `keel — ledger-centric accounting for algorithmic trading

usage: keel <command> [options]

commands:
${Object.values(commands)
  .map((command) => `  ${command.synopsis}`)
  .join('\n')}

Run 'keel <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (entry === undefined) {
    process.stderr.write(`keel: unknown command '${name}'\n\n${usage}\n`);
    return 2;
  }
  const command = await entry.load();
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    // Imported here, not at the top: the configuration schema (zod) is not needed for the help.
    const { loadConfig } = await import('../platform/config.js');
    const context: CommandContext = {
      args,
      config: loadConfig(),
      stdout: (text) => process.stdout.write(text),
      progress: (line) => {
        if (process.stderr.isTTY) process.stderr.write(`${line}\n`);
      },
      parse: (options) => parseCommandArgs(args, options, command.usage),
    };
    return await command.run(context);
  } catch (error) {
    process.stderr.write(`keel ${name}: ${describeError(error)}\n`);
    // A file named on the command line that is missing or a directory (KEEL_ERR_INPUT_*) is a usage problem too.
    const usage_problem =
      isKeelError(error) && (error.code === cli_error_codes.usage || /^KEEL_ERR_(CONFIG|INPUT)_/.test(error.code));
    return usage_problem ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
