// `keel post --input FILE.jsonl [--ledger embedded|tigerbeetle] [--format json|table]`
import { loadRegistry, openLedger } from '../ledger/open-ledger.js';
import { postEventFile, type PostReport } from '../engine/post-events.js';
import type { Config } from '../platform/config.js';
import { renderTable } from './table.js';
import { usageError, type CommandContext } from './command.js';

export const post_usage = `keel post --input FILE.jsonl [--ledger embedded|tigerbeetle] [--format json|table]

Posts every event of a JSON Lines file to the ledger and prints what happened: how many events
were read, posted, duplicates (already posted) and rejected (with line and reason), and the
balance of every account the file touches. Bad lines are reported and skipped; the rest is posted.
Running it again on the same file posts nothing new.

  --input FILE     the events, one canonical JSON event per line (required)
  --ledger NAME    embedded (default; kept under KEEL_DATA_DIR, default .keel) or tigerbeetle (TB_ADDRESS)
  --format NAME    json (default) or table`;

export async function postCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({
    input: { type: 'string' },
    ledger: { type: 'string' },
    format: { type: 'string', default: 'json' },
  });
  if (values.input === undefined) throw usageError('--input FILE.jsonl is required', post_usage);
  const format = values.format;
  if (format !== 'json' && format !== 'table')
    throw usageError(`--format must be json or table, got '${format}'`, post_usage);
  const ledger_name = values.ledger ?? context.config.ledger;
  if (ledger_name !== 'embedded' && ledger_name !== 'tigerbeetle') {
    throw usageError(`--ledger must be embedded or tigerbeetle, got '${ledger_name}'`, post_usage);
  }
  const config: Config = { ...context.config, ledger: ledger_name };
  const registry = loadRegistry(config);
  const ledger = await openLedger(config);
  try {
    const report = await postEventFile(values.input, ledger, registry, {
      on_progress: (progress) =>
        context.progress(
          `keel post: ${progress.lines} lines, ${progress.counts.posted} posted, ${progress.counts.duplicates} duplicates, ` +
            `${progress.counts.rejected} rejected (${Math.round(progress.lines / Math.max(progress.elapsed_ms / 1000, 0.001))} lines/s)`,
        ),
    });
    context.stdout(format === 'json' ? `${JSON.stringify(publicReport(report), null, 2)}\n` : renderReport(report));
    return 0;
  } finally {
    await ledger.close();
  }
}

/** The report as the command prints it: counts, rejections and accounts; a note only when rejections were not all listed. */
function publicReport(report: PostReport) {
  return {
    events: report.events,
    rejections: report.rejections,
    ...(report.rejections_not_listed > 0 ? { rejections_not_listed: report.rejections_not_listed } : {}),
    accounts: report.accounts,
  };
}

function renderReport(report: PostReport): string {
  const { read, posted, duplicates, no_transfers, rejected } = report.events;
  const lines = [
    `events: ${read} read, ${posted} posted, ${duplicates} duplicates, ${no_transfers} without transfers, ${rejected} rejected`,
  ];
  for (const rejection of report.rejections)
    lines.push(`  line ${rejection.line}${rejection.id ? ` (${rejection.id})` : ''}: ${rejection.reason}`);
  if (report.rejections_not_listed > 0)
    lines.push(`  … and ${report.rejections_not_listed} more rejections not listed`);
  lines.push('');
  const header = ['venue', 'account', 'type', 'asset', 'debits', 'credits', 'balance'];
  const rows = report.accounts.map((row) => [
    row.venue,
    row.account,
    row.type,
    row.asset,
    row.debits,
    row.credits,
    row.balance,
  ]);
  lines.push(renderTable(header, rows, [false, false, false, false, true, true, true]));
  return `${lines.join('\n')}\n`;
}
