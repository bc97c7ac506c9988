// `keel lots --input FILE.jsonl [--method fifo|lifo|hifo] [--pool account|global] [--format json|csv] [--prices FILE.jsonl]`
// Tax lots of a file of events, computed in process: no server, no ledger.
import { lotReport } from '../audit/lot-facts.js';
import { renderDisposalsCsv, type LotReport } from '../audit/lots/lot-report.js';
import { lot_methods, lot_pools, lotSettings, type LotMethod, type LotPool } from '../audit/lots/lot-settings.js';
import { readPriceFile } from '../audit/price-file.js';
import { readEvents, type Rejection } from '../engine/event-file.js';
import { usageError, type CommandContext } from './command.js';

export const lots_usage = `keel lots --input FILE.jsonl [--method fifo|lifo|hifo] [--pool account|global] [--format json|csv] [--prices FILE.jsonl]

Computes tax lots from a JSON Lines file of events (reporting currency USD): every disposal
matched to the lots it consumed, with proceeds, cost basis, gain and holding term; open lots;
quantities disposed of without a lot (missing basis, never given zero cost); lots withdrawn or
moved by transfers; values that could not be priced (null, never zero); and for derivatives the
realised PnL computed from entry and exit prices beside the venue's own settlements. Bad lines
are reported (line and reason) and skipped. The settings in force are part of every output.

  --input FILE     the events, one canonical JSON event per line (required)
  --method NAME    fifo (default), lifo, or hifo (highest cost per unit first)
  --pool NAME      account (default: one pool per venue account and asset) or global (one per asset)
  --format NAME    json (default): the whole report and the rejected lines;
                   csv: the disposals only, one row per (disposal, lot), RFC 4180 with a header row:
                   event_id, kind, venue, account, asset, quantity, acquired_at, disposed_at,
                   proceeds, cost_basis, gain, term, lot_id, acquisition_event_id, unpriced,
                   method, pool, reporting_currency (empty proceeds, cost_basis or gain = unpriced;
                   text cells starting with = + - @ are prefixed with ' against spreadsheet formulas)
  --prices FILE    optional prices in USD, one JSON object per line: {"asset", "time", "price", "source"?}.
                   Prices observed in the file's own spot trades against USD or a peg (USDT, USDC = 1)
                   are always used too; a price is used for up to 24 hours after its time.`;

export async function lotsCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({
    input: { type: 'string' },
    method: { type: 'string', default: 'fifo' },
    pool: { type: 'string', default: 'account' },
    format: { type: 'string', default: 'json' },
    prices: { type: 'string' },
  });
  if (values.input === undefined) throw usageError('--input FILE.jsonl is required', lots_usage);
  const method = values.method as LotMethod;
  if (!lot_methods.includes(method))
    throw usageError(`--method must be fifo, lifo or hifo, got '${values.method}'`, lots_usage);
  const pool = values.pool as LotPool;
  if (!lot_pools.includes(pool)) throw usageError(`--pool must be account or global, got '${values.pool}'`, lots_usage);
  const format = values.format;
  if (format !== 'json' && format !== 'csv')
    throw usageError(`--format must be json or csv, got '${format}'`, lots_usage);

  const settings = lotSettings({ method, pool });
  const { events, rejections, rejections_not_listed } = await readEvents(values.input);
  context.progress(`keel lots: ${events.length} events read, ${rejections.length + rejections_not_listed} rejected`);
  const report = lotReport(events, settings, values.prices === undefined ? [] : await readPriceFile(values.prices));
  context.stdout(
    format === 'csv'
      ? renderDisposalsCsv(report)
      : `${JSON.stringify(publicReport(report, rejections, rejections_not_listed), null, 2)}\n`,
  );
  return 0;
}

function publicReport(report: LotReport, rejections: Rejection[], rejections_not_listed: number) {
  return { ...report, rejections, ...(rejections_not_listed > 0 ? { rejections_not_listed } : {}) };
}
