// What the lot engine says, in the forms the rest of the audit needs (pure): the lot report of a
// set of events valued with the prices known, the per-event lot facts that trade records join,
// and the trade records of a set of events. The audit seal, the reports and the file commands all
// compute through here, so a report from a file and the sealed store agree by construction.
import type { KeelEvent } from '../engine/event-schema.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { computeLots } from './lots/lot-engine.js';
import type { LotReport } from './lots/lot-report.js';
import { lotSettings, type LotSettings } from './lots/lot-settings.js';
import { orderTimeOf, type ClosedPeriod } from './lots/period-close.js';
import { InMemoryPriceTable, priceRowsFromTrades, type PriceRow } from './lots/pricing.js';
import {
  buildTradeRecords,
  lotClosedOf,
  lotOpenedOf,
  missingBasisOf,
  type LotFacts,
  type LotOpened,
  type TradeRecord,
} from './trade-records.js';

/** The lot report seen per event, as trade records need it. */
export function lotFactsOf(report: LotReport): LotFacts {
  const opened = new Map<string, LotOpened[]>();
  const closed = new Map<string, TradeRecord['lots']['closed']>();
  const missing_basis = new Map<string, TradeRecord['lots']['missing_basis']>();
  for (const row of report.acquisitions) push(opened, row.event_id, lotOpenedOf(row));
  for (const row of report.disposals) push(closed, row.event_id, lotClosedOf(row));
  for (const row of report.missing_basis) push(missing_basis, row.event_id, missingBasisOf(row));
  return { opened, closed, missing_basis, reporting_currency: report.settings.reporting_currency };
}

/**
 * The lot report of events, valued with the given prices and with the prices the events' own spot
 * trades imply (a BNB fee is valued at the BNB/USDT trades around it), as every Keel output does.
 */
export function lotReport(
  events: readonly KeelEvent[],
  settings: Partial<LotSettings>,
  price_rows: readonly PriceRow[] = [],
  closes: readonly ClosedPeriod[] = [],
): LotReport {
  const full_settings = lotSettings(settings);
  const implied = priceRowsFromTrades(events, full_settings, (event_id, time_ms) =>
    orderTimeOf(event_id, time_ms, closes),
  );
  return computeLots(events, full_settings, new InMemoryPriceTable([...implied, ...price_rows]), closes);
}

/** `closes`: the closed periods and the events that arrived after each (`period-close.ts`), as the store knows them. */
export function tradeRecordsOf(
  events: readonly KeelEvent[],
  registry: AssetRegistry,
  settings: Partial<LotSettings> = {},
  price_rows: readonly PriceRow[] = [],
  closes: readonly ClosedPeriod[] = [],
): TradeRecord[] {
  const order_time_ms =
    closes.length === 0 ? undefined : (event: KeelEvent) => orderTimeOf(event.id, Date.parse(event.time), closes);
  return buildTradeRecords(
    events,
    lotFactsOf(lotReport(events, settings, price_rows, closes)),
    registry,
    order_time_ms,
  );
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
