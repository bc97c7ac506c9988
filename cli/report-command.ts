// `keel report audit --from DATE --to DATE --out FILE.pdf` and `keel report trade ID --out FILE.pdf`:
// PDFs from the audit store and the ledger, or from a file of events with no server.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { tradeRecordsOf } from '../audit/lot-facts.js';
import { explainTrade } from '../audit/explanation.js';
import { loadTradeRecord } from '../audit/record-store.js';
import {
  lot_methods,
  lot_pools,
  lotSettings,
  recordSettings,
  type LotMethod,
  type LotPool,
  type LotSettings,
} from '../audit/lots/lot-settings.js';
import type { ReconcileReport } from '../ledger/reconciliation.js';
import { loadRegistry, openLedger } from '../ledger/open-ledger.js';
import type { Config } from '../platform/config.js';
import { createPool, redactUrl, withSession } from '../platform/postgres.js';
import { utc_date_pattern, utc_time_pattern } from '../platform/utc-time.js';
import { renderAuditReportPdf, type ReportProgress } from '../reports/audit-report-pdf.js';
import { fileAuditReportData, loadAuditReportData } from '../reports/load-report-data.js';
import type { ReportPeriod } from '../reports/report-data.js';
import { renderTradeExplanationPdf } from '../reports/trade-explanation-pdf.js';
import { readEvents } from '../engine/event-file.js';
import { readPriceFile } from '../audit/price-file.js';
import { usageError, type CommandContext } from './command.js';

export const report_usage = `keel report audit --from DATE --to DATE --out FILE.pdf [source options] [--reconciliation FILE.json] [--no-verify]
keel report trade ID --out FILE.pdf [source options]

audit: the audit report of a period as a PDF: a cover with the settings in force and the audit
chain's head (verified end to end unless --no-verify), balances per venue account and asset at the
period's end, realised PnL by asset and term, fees and funding, charts, every trade with a one-line
explanation, reconciliation, missing-basis and unpriced rows, the disposals and open lots.
The same inputs give a byte-identical file (it is dated at the period's end).
  --from DATE      start of the period: YYYY-MM-DD (00:00 UTC) or an ISO-8601 UTC time with ms
  --to DATE        end of the period: YYYY-MM-DD includes that whole day (UTC); a time is excluded
  --reconciliation FILE   the JSON output of keel reconcile --format json (one report or a list)
  --no-verify      do not check the whole audit chain (the head is printed all the same)

trade: one page explaining one trade (ids look like binance:spot-main:order:8812001): the current
version of its record in the audit store, or the record built from --input.

source options (default: the audit store at DATABASE_URL and the ledger KEEL_LEDGER):
  --input FILE     events from a JSON Lines file instead, no server: lots and records are computed
                   from it and balances come from posting it into an in-memory ledger (there is no
                   audit chain then; the cover says so)
  --prices FILE    with --input: prices in USD, as for keel lots
  --method NAME    fifo (default), lifo or hifo; --pool NAME  account (default) or global
                   (use the settings the audit service runs with)

Prints {"out", "bytes", "sha256", ...} on stdout; progress on stderr. Exit 0 done, 1 failed, 2 wrong usage.`;

export async function reportCommand(context: CommandContext): Promise<number> {
  const { values, positionals } = context.parse({
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    input: { type: 'string' },
    prices: { type: 'string' },
    method: { type: 'string', default: 'fifo' },
    pool: { type: 'string', default: 'account' },
    reconciliation: { type: 'string' },
    'no-verify': { type: 'boolean', default: false },
  });
  const [kind, ...rest] = positionals;
  if (values.out === undefined) throw usageError('--out FILE.pdf is required', report_usage);
  if (values.prices !== undefined && values.input === undefined)
    throw usageError('--prices goes with --input', report_usage);
  const settings = settingsOption(values.method, values.pool, report_usage);
  const source: SourceOptions = { input: values.input, prices: values.prices, settings };
  if (kind === 'audit') {
    if (rest.length > 0) throw usageError(`unexpected argument '${rest[0]}'`, report_usage);
    if (values.from === undefined || values.to === undefined)
      throw usageError('--from and --to are required', report_usage);
    const period = parsePeriod(values.from, values.to, report_usage);
    const reconciliation = values.reconciliation === undefined ? undefined : readReconciliation(values.reconciliation);
    return auditReport(context, period, values.out, source, { reconciliation, verify: !values['no-verify'] });
  }
  if (kind === 'trade') {
    if (rest.length !== 1) throw usageError('keel report trade takes one trade id', report_usage);
    return tradeReport(context, rest[0]!, values.out, source);
  }
  throw usageError(
    kind === undefined ? 'which report: audit or trade?' : `unknown report '${kind}': audit or trade`,
    report_usage,
  );
}

export type SourceOptions = { input: string | undefined; prices: string | undefined; settings: LotSettings };

async function auditReport(
  context: CommandContext,
  period: ReportPeriod,
  out: string,
  source: SourceOptions,
  options: { reconciliation: ReconcileReport[] | undefined; verify: boolean },
): Promise<number> {
  const progress = (line: string) => context.progress(`keel report audit: ${line}`);
  const registry = loadRegistry(context.config);
  let data;
  if (source.input !== undefined) {
    const { events, rejections, rejections_not_listed } = await readEvents(source.input);
    if (rejections.length + rejections_not_listed > 0)
      progress(`${rejections.length + rejections_not_listed} bad lines skipped (keel post --input lists them)`);
    const price_rows = source.prices === undefined ? [] : await readPriceFile(source.prices);
    progress(`${events.length} events read from ${source.input}`);
    data = await fileAuditReportData(period, {
      events,
      price_rows,
      registry,
      settings: source.settings,
      events_description: `the file ${source.input}${source.prices === undefined ? '' : ` with prices from ${source.prices}`}`,
      ...(options.reconciliation === undefined ? {} : { reconciliation: options.reconciliation }),
    });
  } else {
    const { config } = context;
    const pool = createPool(config.database.url, { max_connections: 1, application_name: 'keel-report' });
    const ledger = await openLedger(config);
    try {
      data = await withSession(pool, (session) =>
        loadAuditReportData(period, {
          session,
          ledger,
          registry,
          settings: source.settings,
          ledger_description: ledgerDescription(config),
          store_description: `the audit store at ${redactUrl(config.database.url)}`,
          verify_chain: options.verify,
          on_progress: progress,
          ...(options.reconciliation === undefined ? {} : { reconciliation: options.reconciliation }),
        }),
      );
    } finally {
      await ledger.close();
      await pool.end();
    }
  }
  const bytes = renderAuditReportPdf(data, { on_progress: reportProgress(progress) });
  writeFileSync(out, bytes);
  context.stdout(
    `${JSON.stringify(
      {
        out,
        bytes: bytes.length,
        sha256: sha256(bytes),
        period: data.period,
        chain:
          data.chain === null
            ? null
            : { sequence: data.chain.sequence, hash: data.chain.hash, verified: data.chain.verified },
        trades: data.counts.trades,
        disposals: data.counts.disposals,
      },
      null,
      2,
    )}\n`,
  );
  return 0;
}

async function tradeReport(
  context: CommandContext,
  trade_id: string,
  out: string,
  source: SourceOptions,
): Promise<number> {
  const registry = loadRegistry(context.config);
  const recorded = recordSettings(source.settings, []);
  let bytes: Buffer;
  let version: number | null = null;
  if (source.input !== undefined) {
    const { events } = await readEvents(source.input);
    const price_rows = source.prices === undefined ? [] : await readPriceFile(source.prices);
    const records = tradeRecordsOf(events, registry, source.settings, price_rows);
    const record = records.find((candidate) => candidate.trade_id === trade_id);
    if (record === undefined) {
      throw usageError(
        `no trade '${trade_id}' in ${source.input}; it has ${records.length}: ${records
          .slice(0, 5)
          .map((candidate) => candidate.trade_id)
          .join(', ')}${records.length > 5 ? ', …' : ''}`,
        report_usage,
      );
    }
    bytes = renderTradeExplanationPdf(record, explainTrade(record), { settings: recorded });
  } else {
    const pool = createPool(context.config.database.url, { max_connections: 1, application_name: 'keel-report' });
    try {
      const stored = await withSession(pool, (session) => loadTradeRecord(session, trade_id));
      if (stored === null) throw usageError(`the audit store has no trade record '${trade_id}'`, report_usage);
      version = stored.version;
      bytes = renderTradeExplanationPdf(stored.record, explainTrade(stored.record), {
        settings: recorded,
        stored: { version: stored.version, record_hash: stored.record_hash, audit_sequence: stored.audit_sequence },
      });
    } finally {
      await pool.end();
    }
  }
  writeFileSync(out, bytes);
  context.stdout(
    `${JSON.stringify({ out, bytes: bytes.length, sha256: sha256(bytes), trade_id, ...(version === null ? {} : { version }) }, null, 2)}\n`,
  );
  return 0;
}

function reportProgress(progress: (line: string) => void): (update: ReportProgress) => void {
  return (update) => {
    const rows = update.rows_total === undefined ? '' : ` (${update.rows_done} of ${update.rows_total} rows)`;
    progress(
      `rendering ${update.section}${rows}, section ${Math.min(update.sections_done + 1, update.sections_total)} of ${update.sections_total}`,
    );
  };
}

export function ledgerDescription(config: Config): string {
  return config.ledger === 'embedded'
    ? `the embedded ledger in ${config.data_dir}`
    : `TigerBeetle at ${config.tigerbeetle.replica_addresses.join(', ')} (cluster ${config.tigerbeetle.cluster_id})`;
}

export function settingsOption(method: string | undefined, pool: string | undefined, usage: string): LotSettings {
  if (!lot_methods.includes(method as LotMethod))
    throw usageError(`--method must be fifo, lifo or hifo, got '${method}'`, usage);
  if (!lot_pools.includes(pool as LotPool)) throw usageError(`--pool must be account or global, got '${pool}'`, usage);
  return lotSettings({ method: method as LotMethod, pool: pool as LotPool });
}

/** --from and --to as [from, to): a date is 00:00 UTC for --from and the end of that day for --to. */
export function parsePeriod(from_text: string, to_text: string, usage: string): ReportPeriod {
  const instant = (text: string, option: string, end_of_day: boolean) => {
    const is_date = utc_date_pattern.test(text);
    if (!is_date && !utc_time_pattern.test(text))
      throw usageError(`${option} must be YYYY-MM-DD or an ISO-8601 UTC time with milliseconds, got '${text}'`, usage);
    const time_ms = Date.parse(is_date ? `${text}T00:00:00.000Z` : text);
    if (!Number.isFinite(time_ms) || new Date(time_ms).toISOString().slice(0, text.length) !== text)
      throw usageError(`${option} '${text}' is not a real date`, usage);
    return new Date(time_ms + (is_date && end_of_day ? 24 * 60 * 60 * 1000 : 0)).toISOString();
  };
  const period = { from: instant(from_text, '--from', false), to: instant(to_text, '--to', true) };
  if (period.from >= period.to) throw usageError(`--from ${from_text} must be before --to ${to_text}`, usage);
  return period;
}

const balance_line = z.strictObject({
  asset: z.string(),
  ledger: z.string(),
  venue: z.string(),
  difference: z.string(),
});
const reconcile_report = z.strictObject({
  venue: z.string(),
  account: z.string(),
  matched: z.array(balance_line),
  differences: z.array(balance_line),
});

/** The output of `keel reconcile --format json`: one report, or a list of them. */
function readReconciliation(file_path: string): ReconcileReport[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file_path, 'utf8'));
  } catch (error) {
    throw usageError(`--reconciliation ${file_path}: ${(error as Error).message}`, report_usage);
  }
  const result = z.union([reconcile_report, z.array(reconcile_report)]).safeParse(parsed);
  if (!result.success)
    throw usageError(
      `--reconciliation ${file_path}: not keel reconcile JSON (${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')})`,
      report_usage,
    );
  return Array.isArray(result.data) ? result.data : [result.data];
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
