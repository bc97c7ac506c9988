#!/usr/bin/env node
// The `keel` command: one entry point, a subcommand per job. Exit codes: 0 done, 1 failed,
// 2 wrong usage or configuration.
import { loadConfig } from '../platform/config.js';
import { describeError, isKeelError } from '../platform/errors.js';
import { cli_error_codes, parseCommandArgs, type CommandContext } from './command.js';
import { auditCommand, audit_usage } from './audit-command.js';
import { demoCommand, demo_usage } from './demo-command.js';
import { engineCommand, engine_usage } from './engine-command.js';
import { explainCommand, explain_usage } from './explain-command.js';
import { postCommand, post_usage } from './post-command.js';
import { publishCommand, publish_usage } from './publish-command.js';
import { migrateCommand, migrate_usage } from './migrate-command.js';
import { verifyCommand, verify_usage } from './verify-command.js';
import { lotsCommand, lots_usage } from './lots-command.js';
import { connectCommand, connect_usage } from './connect-command.js';
import { reconcileCommand, reconcile_usage } from './reconcile-command.js';
import { reportCommand, report_usage } from './report-command.js';
import { exportCommand, export_usage } from './export-command.js';
import { apiCommand, api_usage } from './api-command.js';

const commands: Record<string, { run: (context: CommandContext) => Promise<number>; usage: string }> = {
  demo: { run: demoCommand, usage: demo_usage },
  post: { run: postCommand, usage: post_usage },
  publish: { run: publishCommand, usage: publish_usage },
  engine: { run: engineCommand, usage: engine_usage },
  migrate: { run: migrateCommand, usage: migrate_usage },
  verify: { run: verifyCommand, usage: verify_usage },
  lots: { run: lotsCommand, usage: lots_usage },
  audit: { run: auditCommand, usage: audit_usage },
  explain: { run: explainCommand, usage: explain_usage },
  connect: { run: connectCommand, usage: connect_usage },
  reconcile: { run: reconcileCommand, usage: reconcile_usage },
  report: { run: reportCommand, usage: report_usage },
  export: { run: exportCommand, usage: export_usage },
  api: { run: apiCommand, usage: api_usage },
};

const usage = `keel — ledger-centric accounting for algorithmic trading

usage: keel <command> [options]

commands:
${Object.values(commands)
  .map((command) => `  ${command.usage.split('\n')[0]}`)
  .join('\n')}

Run 'keel <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`keel: unknown command '${name}'\n\n${usage}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
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
    const usage_problem = isKeelError(error) && (error.code === cli_error_codes.usage || /^KEEL_ERR_(CONFIG|INPUT)_/.test(error.code));
    return usage_problem ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
