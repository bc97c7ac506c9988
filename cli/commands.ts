// The commands of `keel`, each loaded only when it runs: importing every command up front loads
// ccxt, pdfkit, fastify and the PostgreSQL client for `keel --help` too (over a second, ~180 MB).
// A command's synopsis is the first line of its usage, written here as well so that the overview
// needs no import; cli/commands.test.ts checks that the two agree.
import type { CommandContext } from './command.js';

export type LoadedCommand = { run: (context: CommandContext) => Promise<number>; usage: string };
export type CommandEntry = { synopsis: string; load: () => Promise<LoadedCommand> };

export const commands: Record<string, CommandEntry> = {
  demo: {
    synopsis: 'keel demo [--out DIR] [--serve] [--port N]',
    load: () => import('./demo-command.js').then((module) => ({ run: module.demoCommand, usage: module.demo_usage })),
  },
  post: {
    synopsis: 'keel post --input FILE.jsonl [--ledger embedded|tigerbeetle] [--format json|table]',
    load: () => import('./post-command.js').then((module) => ({ run: module.postCommand, usage: module.post_usage })),
  },
  publish: {
    synopsis: 'keel publish --input FILE.jsonl',
    load: () =>
      import('./publish-command.js').then((module) => ({ run: module.publishCommand, usage: module.publish_usage })),
  },
  engine: {
    synopsis: 'keel engine',
    load: () =>
      import('./engine-command.js').then((module) => ({ run: module.engineCommand, usage: module.engine_usage })),
  },
  migrate: {
    synopsis: 'keel migrate [--directory DIR]',
    load: () =>
      import('./migrate-command.js').then((module) => ({ run: module.migrateCommand, usage: module.migrate_usage })),
  },
  verify: {
    synopsis: 'keel verify [--batch-rows N] [--anchor SEQUENCE:HASH]',
    load: () =>
      import('./verify-command.js').then((module) => ({ run: module.verifyCommand, usage: module.verify_usage })),
  },
  close: {
    synopsis: 'keel close --through DATE --reason TEXT',
    load: () =>
      import('./close-command.js').then((module) => ({ run: module.closeCommand, usage: module.close_usage })),
  },
  reopen: {
    synopsis: 'keel reopen --through DATE --reason TEXT',
    load: () =>
      import('./close-command.js').then((module) => ({ run: module.reopenCommand, usage: module.reopen_usage })),
  },
  lots: {
    synopsis:
      'keel lots --input FILE.jsonl [--method fifo|lifo|hifo] [--pool account|global] [--format json|csv] [--prices FILE.jsonl]',
    load: () => import('./lots-command.js').then((module) => ({ run: module.lotsCommand, usage: module.lots_usage })),
  },
  audit: {
    synopsis: 'keel audit',
    load: () =>
      import('./audit-command.js').then((module) => ({ run: module.auditCommand, usage: module.audit_usage })),
  },
  quarantine: {
    synopsis: 'keel quarantine list [--format json|table] | keel quarantine release ID --reason TEXT',
    load: () =>
      import('./quarantine-command.js').then((module) => ({
        run: module.quarantineCommand,
        usage: module.quarantine_usage,
      })),
  },
  explain: {
    synopsis:
      'keel explain --input FILE.jsonl [--trade ID] [--format text|json] [--method fifo|lifo|hifo] [--pool account|global] [--prices FILE.jsonl]',
    load: () =>
      import('./explain-command.js').then((module) => ({ run: module.explainCommand, usage: module.explain_usage })),
  },
  connect: {
    synopsis: 'keel connect --venue V --account A [--since DATE] [--streams fills,funding,ledger,transfers]',
    load: () =>
      import('./connect-command.js').then((module) => ({ run: module.connectCommand, usage: module.connect_usage })),
  },
  reconcile: {
    synopsis: 'keel reconcile --venue V --account A [--format json|table] [--every SECONDS]',
    load: () =>
      import('./reconcile-command.js').then((module) => ({
        run: module.reconcileCommand,
        usage: module.reconcile_usage,
      })),
  },
  report: {
    synopsis:
      'keel report audit --from DATE --to DATE --out FILE.pdf [source options] [--reconciliation FILE.json] [--no-verify]',
    load: () =>
      import('./report-command.js').then((module) => ({ run: module.reportCommand, usage: module.report_usage })),
  },
  export: {
    synopsis:
      'keel export tax-lots --year YYYY --format csv|json --out FILE [--open-lots FILE.csv] [--input FILE.jsonl [--prices FILE.jsonl]] [--method fifo|lifo|hifo] [--pool account|global]',
    load: () =>
      import('./export-command.js').then((module) => ({ run: module.exportCommand, usage: module.export_usage })),
  },
  api: {
    synopsis: 'keel api',
    load: () => import('./api-command.js').then((module) => ({ run: module.apiCommand, usage: module.api_usage })),
  },
};
