// The effects around the reports' pure core: reading the audit store through audit/ (events, prices,
// the audit chain's head, its verification), the ledger (balances at the period's end, by event time), or a
// file of events posted into an in-memory ledger when there is no server.
import { verifyAuditChain } from '../audit/audit-log.js';
import { readStoreSnapshot } from '../audit/audit-store.js';
import { periodCloseFacts, type PeriodCloseFacts } from '../audit/close-store.js';
import { lotReport } from '../audit/lot-facts.js';
import { lotSettings, type LotSettings } from '../audit/lots/lot-settings.js';
import type { PriceRow } from '../audit/lots/pricing.js';
import type { ReconcileReport } from '../ledger/reconciliation.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { postEventLines } from '../engine/post-events.js';
import { accountSpecsOfEvents } from '../engine/posting-rules.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { balancesAsOfEventTime, type BalanceRow } from '../ledger/balances.js';
import { EmbeddedLedger } from '../ledger/embedded-ledger.js';
import type { Ledger } from '../ledger/ledger-port.js';
import type { Session } from '../platform/postgres.js';
import {
  buildAuditReportData,
  checkPeriod,
  type AuditReportData,
  type ChainState,
  type ReportPeriod,
} from './report-data.js';
import { buildTaxLotExport, taxYearPeriod, type TaxLotExport } from './tax-lot-export.js';

/** Balances of every account the events post to, from the ledger's transfers with event time before `period_end`. */
export async function periodEndBalances(
  ledger: Ledger,
  events: readonly KeelEvent[],
  registry: AssetRegistry,
  period_end: string,
): Promise<{ as_of: string; rows: BalanceRow[] }> {
  const as_of_ms = Date.parse(period_end) - 1;
  const rows = await balancesAsOfEventTime(ledger, accountSpecsOfEvents(events, registry), as_of_ms);
  return { as_of: new Date(as_of_ms).toISOString(), rows };
}

export type StoreReportSources = {
  session: Session;
  ledger: Ledger;
  registry: AssetRegistry;
  settings: Partial<LotSettings>;
  /** The ledger in words for the cover, e.g. "TigerBeetle at 127.0.0.1:3000". */
  ledger_description: string;
  store_description: string;
  /** Check the whole chain too (default true); a broken chain is printed on the cover. */
  verify_chain?: boolean;
  reconciliation?: readonly ReconcileReport[];
  on_progress?: (line: string) => void;
};

/** The audit report's data from the audit store and the ledger. `session` must not be inside a transaction. */
export async function loadAuditReportData(period: ReportPeriod, sources: StoreReportSources): Promise<AuditReportData> {
  checkPeriod(period);
  const settings = lotSettings(sources.settings);
  const snapshot = await readStoreSnapshot(sources.session, settings.reporting_currency);
  sources.on_progress?.(
    `read ${snapshot.events.length} events and ${snapshot.price_rows.length} prices; audit chain head #${snapshot.head.sequence}`,
  );
  let chain: ChainState = {
    sequence: snapshot.head.sequence,
    hash: snapshot.head.entry_hash,
    verified: null,
    entries: null,
    problem: null,
  };
  if (sources.verify_chain !== false) {
    const verification = await verifyAuditChain(sources.session);
    chain = {
      ...chain,
      verified: verification.ok,
      entries: verification.entries,
      problem:
        verification.first_problem === undefined
          ? null
          : `${verification.first_problem.problem} at sequence ${verification.first_problem.sequence}`,
    };
    sources.on_progress?.(`audit chain ${verification.ok ? 'verified' : 'BROKEN'} (${verification.entries} entries)`);
  }
  const balances = await periodEndBalances(sources.ledger, snapshot.events, sources.registry, period.to);
  sources.on_progress?.(`read ${balances.rows.length} ledger accounts`);
  const period_close = await periodCloseFacts(sources.session);
  return buildAuditReportData({
    period_close,
    period,
    events: snapshot.events,
    price_rows: snapshot.price_rows,
    settings,
    registry: sources.registry,
    source: { events: sources.store_description, ledger: sources.ledger_description },
    balances,
    chain,
    ...(sources.reconciliation === undefined ? {} : { reconciliation: sources.reconciliation }),
  });
}

export type FileReportSources = {
  events: readonly KeelEvent[];
  price_rows: readonly PriceRow[];
  registry: AssetRegistry;
  settings: Partial<LotSettings>;
  events_description: string;
  reconciliation?: readonly ReconcileReport[];
};

/** The audit report's data from a file of events: balances from posting them into an in-memory ledger; there is no audit chain. */
export async function fileAuditReportData(period: ReportPeriod, sources: FileReportSources): Promise<AuditReportData> {
  checkPeriod(period);
  const ledger = new EmbeddedLedger();
  try {
    await postEventLines(
      sources.events.map((event, index) => ({ ok: true as const, event, line: index + 1 })),
      ledger,
      sources.registry,
    );
    const balances = await periodEndBalances(ledger, sources.events, sources.registry, period.to);
    return buildAuditReportData({
      period,
      events: sources.events,
      price_rows: sources.price_rows,
      settings: sources.settings,
      registry: sources.registry,
      source: {
        events: sources.events_description,
        ledger: 'an in-memory ledger the file was posted into for this report',
      },
      balances,
      chain: null,
      chain_note: 'this report was made from a file of events, not from the audit store, so no audit chain covers it',
      ...(sources.reconciliation === undefined ? {} : { reconciliation: sources.reconciliation }),
    });
  } finally {
    await ledger.close();
  }
}

/** The tax-lot export of a year from a set of events (the audit store's, with its closed periods, or a file's). */
export function taxLotExportOf(
  events: readonly KeelEvent[],
  price_rows: readonly PriceRow[],
  settings: Partial<LotSettings>,
  tax_year: number,
  source: string,
  period_close?: PeriodCloseFacts,
): TaxLotExport {
  const period = taxYearPeriod(tax_year);
  const to_end = events.filter((event) => event.time < period.to);
  const report = lotReport(to_end, settings, price_rows, period_close?.closes ?? []);
  return buildTaxLotExport(
    report,
    tax_year,
    new Map(to_end.map((event) => [event.id, event.time])),
    source,
    period_close,
  );
}
