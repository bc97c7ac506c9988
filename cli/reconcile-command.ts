// `keel reconcile --venue V --account A`: the ledger's cash per asset against the venue's balance
// (I7). Prints every difference; the exit code says whether there were any. With --every it keeps
// reconciling and counts the differing assets in keel_reconciliation_mismatches_total.
import { createExchange } from '../connectors/ccxt-exchange.js';
import { loadCredentials, redactSecrets, requireCredentials } from '../connectors/credentials.js';
import { reconcile } from '../connectors/reconcile.js';
import { venueSpec } from '../connectors/venue-registry.js';
import { createConnectorMetrics, type ConnectorMetrics } from '../connectors/connector-metrics.js';
import { loadRegistry, openLedger } from '../ledger/open-ledger.js';
import type { ReconcileReport } from '../ledger/reconciliation.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { createMetricsRegistry, startMetricsServer } from '../platform/metrics.js';
import { usageError, type CommandContext } from './command.js';

export const reconcile_usage = `keel reconcile --venue V --account A [--format json|table] [--every SECONDS]

Compares the ledger's cash balance of every asset of the venue account (KEEL_LEDGER) with the
balance the venue reports (ccxt fetchBalance, read-only API key as for keel connect) and prints
each difference (venue − ledger). Exit code 0 when every asset matches, 1 when there are
differences (or the comparison failed), 2 for wrong usage.

  --every SECONDS  keep reconciling at this interval (at least 10) until SIGTERM or SIGINT,
                   counting differing assets in keel_reconciliation_mismatches_total and serving
                   metrics on KEEL_METRICS_HOST:KEEL_METRICS_PORT/metrics (needs a ledger other
                   processes can share: TigerBeetle; the embedded one is owned by one process)`;

const interval_s_min = 10;
const interval_s_max = 86_400;

export async function reconcileCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({
    venue: { type: 'string' },
    account: { type: 'string' },
    format: { type: 'string' },
    every: { type: 'string' },
  });
  if (values.venue === undefined || values.account === undefined)
    throw usageError('--venue and --account are required', reconcile_usage);
  const format = values.format ?? 'table';
  if (format !== 'json' && format !== 'table') throw usageError('--format: json or table', reconcile_usage);
  const every_s = values.every === undefined ? undefined : Number(values.every);
  if (every_s !== undefined && (!Number.isInteger(every_s) || every_s < interval_s_min || every_s > interval_s_max)) {
    throw usageError(
      `--every: whole seconds from ${interval_s_min} to ${interval_s_max}, got '${values.every}'`,
      reconcile_usage,
    );
  }
  const spec = venueSpec(values.venue);
  const { config } = context;
  const credentials = requireCredentials(
    loadCredentials(spec.venue, values.account, process.env, config.connectors.credentials_file),
    spec.venue,
    values.account,
  );
  const exchange = createExchange(spec, { credentials });
  const ledger = await openLedger(config);
  const registry = loadRegistry(config);
  const account = values.account;
  const once = async () => {
    const report = await reconcile(exchange, ledger, registry, spec.venue, account);
    context.stdout(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report));
    return report;
  };
  try {
    await exchange.loadMarkets();
    if (every_s === undefined) return (await once()).differences.length === 0 ? 0 : 1;
    await reconcileEvery(once, every_s, spec.venue, context);
    return 0;
  } catch (error) {
    if (error instanceof Error) error.message = redactSecrets(error.message);
    throw error;
  } finally {
    await ledger.close();
  }
}

/** The long-running form: every interval, count the differing assets; a failed round is logged and retried next time. */
async function reconcileEvery(
  once: () => Promise<ReconcileReport>,
  every_s: number,
  venue: string,
  context: CommandContext,
): Promise<void> {
  const metrics_registry = createMetricsRegistry();
  const server = await startMetricsServer(metrics_registry, context.config.metrics.host, context.config.metrics.port);
  const stopping = new AbortController();
  process.once('SIGTERM', () => stopping.abort());
  process.once('SIGINT', () => stopping.abort());
  try {
    await reconcileRounds(once, {
      interval_ms: every_s * 1000,
      venue,
      metrics: createConnectorMetrics(metrics_registry),
      logger: createLogger(context.config.log_level, 'keel-reconcile'),
      signal: stopping.signal,
    });
  } finally {
    server.close();
  }
}

export async function reconcileRounds(
  once: () => Promise<ReconcileReport>,
  options: { interval_ms: number; venue: string; metrics: ConnectorMetrics; logger: Logger; signal: AbortSignal },
): Promise<void> {
  while (!options.signal.aborted) {
    try {
      options.metrics.reconciliation_mismatches.inc({ venue: options.venue }, (await once()).differences.length);
    } catch (error) {
      options.logger.error(
        { venue: options.venue, error: redactSecrets((error as Error).message) },
        'reconciliation failed; retrying at the next interval',
      );
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.interval_ms);
      options.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

export function formatTable(report: ReconcileReport): string {
  const rows = [
    ['asset', 'ledger', 'venue', 'difference'],
    ...report.differences.map((line) => [line.asset, line.ledger, line.venue, line.difference]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  '),
  );
  const summary = `${report.venue}/${report.account}: ${report.matched.length} assets match, ${report.differences.length} differ`;
  return `${report.differences.length === 0 ? summary : `${lines.join('\n')}\n${summary}`}\n`;
}
