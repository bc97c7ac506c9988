// `keel reconcile --venue V --account A`: the ledger's cash per asset against the venue's balance
// (I7). Prints every difference; the exit code says whether there were any (long-running callers
// of `reconcile` count them in keel_reconciliation_mismatches_total).
import { createExchange } from '../connectors/ccxt-exchange.js';
import { loadCredentials, redactSecrets, requireCredentials } from '../connectors/credentials.js';
import { reconcile, type ReconcileReport } from '../connectors/reconcile.js';
import { venueSpec } from '../connectors/venue-registry.js';
import { openLedger } from '../ledger/open-ledger.js';
import { usageError, type CommandContext } from './command.js';
import { loadRegistry } from './post-command.js';

export const reconcile_usage = `keel reconcile --venue V --account A [--format json|table]

Compares the ledger's cash balance of every asset of the venue account (KEEL_LEDGER) with the
balance the venue reports (ccxt fetchBalance, read-only API key as for keel connect) and prints
each difference (venue − ledger). Exit code 0 when every asset matches, 1 when there are
differences (or the comparison failed), 2 for wrong usage.`;

export async function reconcileCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({ venue: { type: 'string' }, account: { type: 'string' }, format: { type: 'string' } });
  if (values.venue === undefined || values.account === undefined) throw usageError('--venue and --account are required', reconcile_usage);
  const format = values.format ?? 'table';
  if (format !== 'json' && format !== 'table') throw usageError('--format: json or table', reconcile_usage);
  const spec = venueSpec(values.venue);
  const { config } = context;
  const credentials = requireCredentials(loadCredentials(spec.venue, values.account, process.env, config.connectors.credentials_file), spec.venue, values.account);
  const exchange = createExchange(spec, { credentials });
  const ledger = await openLedger(config);
  try {
    await exchange.loadMarkets();
    const report = await reconcile(exchange, ledger, loadRegistry(config), spec.venue, values.account);
    context.stdout(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report));
    return report.differences.length === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof Error) error.message = redactSecrets(error.message);
    throw error;
  } finally {
    await ledger.close();
  }
}

export function formatTable(report: ReconcileReport): string {
  const rows = [['asset', 'ledger', 'venue', 'difference'], ...report.differences.map((line) => [line.asset, line.ledger, line.venue, line.difference])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  const summary = `${report.venue}/${report.account}: ${report.matched.length} assets match, ${report.differences.length} differ`;
  return `${report.differences.length === 0 ? summary : `${lines.join('\n')}\n${summary}`}\n`;
}
