// What an audit report shows, as plain data, and how it is made from its inputs (pure): the
// events, prices and lot settings (the lot report and trade records are recomputed from them, as
// the audit service does), the ledger's balances at the period's end, the audit chain's head, and
// optionally the venues' reconciliation reports. Loading those inputs is reports/load-report-data.ts;
// drawing them is reports/audit-report-pdf.ts.
//
// The period is [from, to): `to` is excluded. Lots are matched over every event before `to`, so a
// disposal in the period consumes the lots bought before it, and open lots are those at the end.
// Money stays exact decimal strings; a value that could not be priced is null and counted, never 0.
import type { AdjustmentLine, PeriodCloseFacts } from '../audit/close-store.js';
import { lotReport, tradeRecordsOf } from '../audit/lot-facts.js';
import { parseExact } from '../audit/lots/decimal-math.js';
import { addDecimals, formatDecimal, negateDecimal, subtractDecimals, zero_decimal } from '../ledger/money.js';
import type { DerivativeRow, DisposalRow, MissingBasisRow, OpenLotRow, UnpricedRow } from '../audit/lots/lot-report.js';
import { lotSettings, type LotSettings, type RecordedSettings } from '../audit/lots/lot-settings.js';
import {
  InMemoryPriceTable,
  Pricer,
  priceRowsFromTrades,
  type PriceRow,
  type UnitPrice,
} from '../audit/lots/pricing.js';
import type { ReconcileReport } from '../ledger/reconciliation.js';
import type { EventOf, KeelEvent } from '../engine/event-schema.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import type { BalanceRow } from '../ledger/balances.js';
import type { Decimal } from '../ledger/money.js';
import { utc_time_pattern } from '../platform/utc-time.js';
import { oneLineExplanation } from './one-line-explanation.js';
import { report_error_codes, reportError } from './report-errors.js';

export const audit_report_version = 1;

/** [from, to) in ISO-8601 UTC with milliseconds. */
export type ReportPeriod = { from: string; to: string };

/** The audit chain as the report saw it; `verified` null when it was not checked. */
export type ChainState = {
  sequence: number;
  hash: string;
  verified: boolean | null;
  entries: number | null;
  problem: string | null;
};

export type PnlRow = {
  asset: string;
  term: 'short' | 'long';
  rows: number;
  quantity: string;
  /** Sums over the priced rows only; `unpriced_rows` are left out of them and counted. */
  proceeds: string;
  cost_basis: string;
  gain: string;
  unpriced_rows: number;
};
export type PnlTotal = {
  term: 'short' | 'long' | 'all';
  rows: number;
  proceeds: string;
  cost_basis: string;
  gain: string;
  unpriced_rows: number;
};

export type DerivativePeriodRow = {
  venue: string;
  account: string;
  instrument: string;
  settle_asset: string;
  trades: number;
  /** Realised PnL computed from entry and exit prices, on positions closed in the period. */
  realised_pnl_computed: string;
  /** The venue's settlement events in the period (settle asset); null when it sent none. */
  venue_settlements: string | null;
  difference: string | null;
  funding: string;
};

export type FeeTotalRow = { asset: string; rows: number; amount: string; value: string | null; unpriced_rows: number };
export type FundingTotalRow = {
  asset: string;
  rows: number;
  received: string;
  paid: string;
  net: string;
  value: string | null;
  unpriced_rows: number;
};

export type TradeLine = {
  trade_id: string;
  time: string;
  venue: string;
  account: string;
  symbol: string;
  side: 'buy' | 'sell';
  explanation: string;
  realised_gain: string | null;
};

/** Invariant I6: per lot pool and asset, open lot quantity = ledger cash balance. */
export type LotsVsLedgerRow = {
  venue: string;
  account: string;
  asset: string;
  open_lots: string;
  ledger_cash: string;
  difference: string;
};

export type SeriesPoint = { time: string; value: string };

export type AuditReportData = {
  report: 'keel.audit-report';
  version: number;
  period: ReportPeriod;
  /** Where the events and balances came from, in words. */
  source: { events: string; ledger: string };
  chain: ChainState | null;
  /** Why there is no chain head (null when there is one). */
  chain_note: string | null;
  settings: RecordedSettings;
  counts: { events_to_period_end: number; events_in_period: number; trades: number; disposals: number };
  balances: { as_of: string; rows: BalanceRow[] };
  realised_pnl: { rows: PnlRow[]; totals: PnlTotal[] };
  derivatives: DerivativePeriodRow[];
  fees: FeeTotalRow[];
  funding: FundingTotalRow[];
  trades: TradeLine[];
  reconciliation: { venues: ReconcileReport[] | null; lots_vs_ledger: LotsVsLedgerRow[] };
  disposals: DisposalRow[];
  missing_basis: (MissingBasisRow & { time: string })[];
  unpriced: UnpricedRow[];
  open_lots: OpenLotRow[];
  /** Cumulative values in the reporting currency over the period (priced rows only). */
  series: { realised_pnl: SeriesPoint[]; fees: SeriesPoint[]; funding: SeriesPoint[] };
  /** The date the books are closed through, and the prior-period adjustments dated or applied in the period. */
  period_close: { closed_through: string | null; adjustments: AdjustmentLine[] };
};

export type AuditReportInput = {
  period: ReportPeriod;
  /** Every event known; those at or after `period.to` are left out here. */
  events: readonly KeelEvent[];
  price_rows: readonly PriceRow[];
  settings: Partial<LotSettings>;
  registry: AssetRegistry;
  source: { events: string; ledger: string };
  balances: { as_of: string; rows: readonly BalanceRow[] };
  chain: ChainState | null;
  chain_note?: string;
  reconciliation?: readonly ReconcileReport[];
  /** Closed periods (audit store only): the lots are computed with the adjustment rule, as sealed. */
  period_close?: PeriodCloseFacts;
};

export function checkPeriod(period: ReportPeriod): void {
  if (!utc_time_pattern.test(period.from) || !utc_time_pattern.test(period.to)) {
    throw reportError(
      report_error_codes.period_invalid,
      `report period times must be ISO-8601 UTC with milliseconds, got ${period.from} .. ${period.to}`,
    );
  }
  if (period.from >= period.to)
    throw reportError(
      report_error_codes.period_invalid,
      `report period: from ${period.from} must be before to ${period.to}`,
    );
}

export function buildAuditReportData(input: AuditReportInput): AuditReportData {
  const { period } = input;
  checkPeriod(period);
  const settings = lotSettings(input.settings);
  const inPeriod = (time: string) => time >= period.from && time < period.to;
  const to_end = input.events.filter((event) => event.time < period.to);
  const before_start = to_end.filter((event) => event.time < period.from);
  const in_period = to_end.filter((event) => inPeriod(event.time));
  const closes = input.period_close?.closes ?? [];
  const report = lotReport(to_end, settings, input.price_rows, closes);
  const start_report = lotReport(before_start, settings, input.price_rows, closes);
  const records = tradeRecordsOf(to_end, input.registry, settings, input.price_rows, closes).filter((record) =>
    inPeriod(record.opened_at),
  );
  const event_time = new Map(to_end.map((event) => [event.id, event.time]));
  const disposals = report.disposals.filter((row) => inPeriod(row.disposed_at));
  const pricer = new Pricer(
    settings,
    new InMemoryPriceTable([...priceRowsFromTrades(to_end, settings), ...input.price_rows]),
  );

  return {
    report: 'keel.audit-report',
    version: audit_report_version,
    period,
    source: input.source,
    chain: input.chain,
    chain_note: input.chain === null ? (input.chain_note ?? 'no audit chain was read') : null,
    settings: report.settings,
    counts: {
      events_to_period_end: to_end.length,
      events_in_period: in_period.length,
      trades: records.length,
      disposals: disposals.length,
    },
    balances: {
      as_of: input.balances.as_of,
      rows: input.balances.rows.filter((row) => row.debits !== '0' || row.credits !== '0'),
    },
    realised_pnl: realisedPnl(disposals),
    derivatives: derivativesInPeriod(report.derivatives, start_report.derivatives, in_period),
    fees: feeTotals(in_period, pricer),
    funding: fundingTotals(in_period, pricer),
    trades: records.map((record) => ({
      trade_id: record.trade_id,
      time: record.opened_at,
      venue: record.venue,
      account: record.account,
      symbol: record.instrument.symbol,
      side: record.side,
      explanation: oneLineExplanation(record),
      realised_gain: record.lots.closed.length === 0 ? null : record.lots.realised_gain,
    })),
    reconciliation: {
      venues: input.reconciliation === undefined ? null : [...input.reconciliation],
      lots_vs_ledger: lotsVsLedger(report.open_lots, input.balances.rows, settings),
    },
    disposals,
    missing_basis: report.missing_basis
      .map((row) => ({ ...row, time: event_time.get(row.event_id) ?? '' }))
      .filter((row) => inPeriod(row.time)),
    unpriced: report.unpriced.filter((row) => inPeriod(row.time)),
    open_lots: report.open_lots,
    series: {
      realised_pnl: cumulative(
        disposals
          .filter((row) => row.gain !== null)
          .map((row) => ({ time: row.disposed_at, amount: parseExact(row.gain!, 'gain') })),
      ),
      fees: cumulative(
        valuedFees(in_period, pricer).flatMap((fee) =>
          fee.value === null ? [] : [{ time: fee.time, amount: fee.value }],
        ),
      ),
      funding: cumulative(
        valuedFunding(in_period, pricer).flatMap((flow) =>
          flow.value === null ? [] : [{ time: flow.time, amount: flow.value }],
        ),
      ),
    },
    period_close: {
      closed_through: input.period_close?.closed_through ?? null,
      adjustments: (input.period_close?.adjustments ?? []).filter(
        (line) => inPeriod(line.applied_at) || inPeriod(line.event_time),
      ),
    },
  };
}

function realisedPnl(disposals: readonly DisposalRow[]): AuditReportData['realised_pnl'] {
  type Sums = {
    rows: number;
    quantity: Decimal;
    proceeds: Decimal;
    cost_basis: Decimal;
    gain: Decimal;
    unpriced_rows: number;
  };
  const empty = (): Sums => ({
    rows: 0,
    quantity: zero_decimal,
    proceeds: zero_decimal,
    cost_basis: zero_decimal,
    gain: zero_decimal,
    unpriced_rows: 0,
  });
  const by_key = new Map<string, Sums & { asset: string; term: 'short' | 'long' }>();
  const totals = { short: empty(), long: empty(), all: empty() };
  for (const row of disposals) {
    const key = `${row.asset}\u0000${row.term}`;
    const sums = by_key.get(key) ?? { ...empty(), asset: row.asset, term: row.term };
    by_key.set(key, sums);
    for (const target of [sums, totals[row.term], totals.all]) {
      target.rows += 1;
      target.quantity = addDecimals(target.quantity, parseExact(row.quantity, 'quantity'));
      if (row.gain === null || row.proceeds === null || row.cost_basis === null) {
        target.unpriced_rows += 1;
        continue;
      }
      target.proceeds = addDecimals(target.proceeds, parseExact(row.proceeds, 'proceeds'));
      target.cost_basis = addDecimals(target.cost_basis, parseExact(row.cost_basis, 'cost_basis'));
      target.gain = addDecimals(target.gain, parseExact(row.gain, 'gain'));
    }
  }
  const text = (sums: Sums) => ({
    rows: sums.rows,
    proceeds: formatDecimal(sums.proceeds),
    cost_basis: formatDecimal(sums.cost_basis),
    gain: formatDecimal(sums.gain),
    unpriced_rows: sums.unpriced_rows,
  });
  return {
    rows: [...by_key.values()]
      .sort((left, right) =>
        left.asset !== right.asset
          ? left.asset < right.asset
            ? -1
            : 1
          : left.term === right.term
            ? 0
            : left.term === 'short'
              ? -1
              : 1,
      )
      .map((sums) => ({ asset: sums.asset, term: sums.term, ...text(sums), quantity: formatDecimal(sums.quantity) })),
    totals: (['short', 'long', 'all'] as const).map((term) => ({ term, ...text(totals[term]) })),
  };
}

function derivativesInPeriod(
  at_end: readonly DerivativeRow[],
  at_start: readonly DerivativeRow[],
  in_period: readonly KeelEvent[],
): DerivativePeriodRow[] {
  const key = (venue: string, account: string, instrument: string) => `${venue}\u0000${account}\u0000${instrument}`;
  const start = new Map(at_start.map((row) => [key(row.venue, row.account, row.instrument), row]));
  const rows: DerivativePeriodRow[] = [];
  for (const row of at_end) {
    const flows = in_period.filter(
      (event) =>
        event.venue === row.venue &&
        event.account === row.account &&
        'instrument' in event &&
        event.instrument?.symbol === row.instrument,
    );
    const settlements = flows.filter(
      (event): event is EventOf<'settlement'> => event.type === 'settlement' && event.asset === row.settle_asset,
    );
    const trades = flows.filter((event) => event.type === 'trade').length;
    const funding = flows.filter(
      (event): event is EventOf<'funding'> => event.type === 'funding' && event.asset === row.settle_asset,
    );
    const before = start.get(key(row.venue, row.account, row.instrument));
    const computed = subtractDecimals(
      parseExact(row.realised_pnl_computed, 'pnl'),
      before === undefined ? zero_decimal : parseExact(before.realised_pnl_computed, 'pnl'),
    );
    const venue_total =
      settlements.length === 0
        ? null
        : settlements.reduce((total, event) => addDecimals(total, parseExact(event.amount, 'amount')), zero_decimal);
    if (trades === 0 && settlements.length === 0 && funding.length === 0 && computed.units === 0n) continue;
    rows.push({
      venue: row.venue,
      account: row.account,
      instrument: row.instrument,
      settle_asset: row.settle_asset,
      trades,
      realised_pnl_computed: formatDecimal(computed),
      venue_settlements: venue_total === null ? null : formatDecimal(venue_total),
      difference: venue_total === null ? null : formatDecimal(subtractDecimals(computed, venue_total)),
      funding: formatDecimal(
        funding.reduce((total, event) => addDecimals(total, parseExact(event.amount, 'amount')), zero_decimal),
      ),
    });
  }
  return rows;
}

type ValuedFlow = { time: string; asset: string; amount: Decimal; value: Decimal | null };

/** Every fee paid in the period (trade fees, deposit and withdrawal fees), valued at its time. Rebates are negative. */
function valuedFees(events: readonly KeelEvent[], pricer: Pricer): ValuedFlow[] {
  const flows: ValuedFlow[] = [];
  for (const event of events) {
    const time_ms = Date.parse(event.time);
    if (event.type === 'trade') {
      for (const fee of event.fees) {
        const amount = parseExact(fee.amount, 'fee');
        const unit = pricer.directPrice(fee.asset, time_ms) ?? tradeSidePrice(pricer, event, fee.asset, time_ms);
        flows.push({
          time: event.time,
          asset: fee.asset,
          amount,
          value: unit === undefined ? null : pricer.value(amount, unit),
        });
      }
    } else if ((event.type === 'deposit' || event.type === 'withdrawal') && event.fee !== undefined) {
      const amount = parseExact(event.fee, 'fee');
      const unit = pricer.directPrice(event.asset, time_ms);
      flows.push({
        time: event.time,
        asset: event.asset,
        amount,
        value: unit === undefined ? null : pricer.value(amount, unit),
      });
    }
  }
  return flows;
}

/** A fee in the trade's own base or quote is priced by the trade itself when nothing else prices it. */
function tradeSidePrice(
  pricer: Pricer,
  event: EventOf<'trade'>,
  asset: string,
  time_ms: number,
): UnitPrice | undefined {
  const { base, quote, kind } = event.instrument;
  if (kind !== 'spot' || (asset !== base && asset !== quote)) return undefined;
  const prices = pricer.tradePrices(base, quote, parseExact(event.price, 'price'), time_ms, event.id);
  return asset === base ? prices.base : prices.quote;
}

function valuedFunding(events: readonly KeelEvent[], pricer: Pricer): ValuedFlow[] {
  return events
    .filter((event): event is EventOf<'funding'> => event.type === 'funding')
    .map((event) => {
      const amount = parseExact(event.amount, 'amount');
      const unit = pricer.directPrice(event.asset, Date.parse(event.time));
      return {
        time: event.time,
        asset: event.asset,
        amount,
        value: unit === undefined ? null : pricer.value(amount, unit),
      };
    });
}

function feeTotals(events: readonly KeelEvent[], pricer: Pricer): FeeTotalRow[] {
  const by_asset = new Map<string, { rows: number; amount: Decimal; value: Decimal; unpriced_rows: number }>();
  for (const flow of valuedFees(events, pricer)) {
    const sums = by_asset.get(flow.asset) ?? { rows: 0, amount: zero_decimal, value: zero_decimal, unpriced_rows: 0 };
    by_asset.set(flow.asset, sums);
    sums.rows += 1;
    sums.amount = addDecimals(sums.amount, flow.amount);
    if (flow.value === null) sums.unpriced_rows += 1;
    else sums.value = addDecimals(sums.value, flow.value);
  }
  return [...by_asset.entries()]
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([asset, sums]) => ({
      asset,
      rows: sums.rows,
      amount: formatDecimal(sums.amount),
      value: sums.unpriced_rows === sums.rows ? null : formatDecimal(sums.value),
      unpriced_rows: sums.unpriced_rows,
    }));
}

function fundingTotals(events: readonly KeelEvent[], pricer: Pricer): FundingTotalRow[] {
  const by_asset = new Map<
    string,
    { rows: number; received: Decimal; paid: Decimal; value: Decimal; unpriced_rows: number }
  >();
  for (const flow of valuedFunding(events, pricer)) {
    const sums = by_asset.get(flow.asset) ?? {
      rows: 0,
      received: zero_decimal,
      paid: zero_decimal,
      value: zero_decimal,
      unpriced_rows: 0,
    };
    by_asset.set(flow.asset, sums);
    sums.rows += 1;
    if (flow.amount.units >= 0n) sums.received = addDecimals(sums.received, flow.amount);
    else sums.paid = addDecimals(sums.paid, negateDecimal(flow.amount));
    if (flow.value === null) sums.unpriced_rows += 1;
    else sums.value = addDecimals(sums.value, flow.value);
  }
  return [...by_asset.entries()]
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([asset, sums]) => ({
      asset,
      rows: sums.rows,
      received: formatDecimal(sums.received),
      paid: formatDecimal(sums.paid),
      net: formatDecimal(subtractDecimals(sums.received, sums.paid)),
      value: sums.unpriced_rows === sums.rows ? null : formatDecimal(sums.value),
      unpriced_rows: sums.unpriced_rows,
    }));
}

function lotsVsLedger(
  open_lots: readonly OpenLotRow[],
  balances: readonly BalanceRow[],
  settings: LotSettings,
): LotsVsLedgerRow[] {
  const global = settings.pool === 'global';
  const keyOf = (venue: string, account: string, asset: string) =>
    global ? `*\u0000*\u0000${asset}` : `${venue}\u0000${account}\u0000${asset}`;
  const rows = new Map<string, { venue: string; account: string; asset: string; lots: Decimal; cash: Decimal }>();
  const entry = (venue: string, account: string, asset: string) => {
    const key = keyOf(venue, account, asset);
    const found = rows.get(key) ?? {
      venue: global ? '*' : venue,
      account: global ? '*' : account,
      asset,
      lots: zero_decimal,
      cash: zero_decimal,
    };
    rows.set(key, found);
    return found;
  };
  for (const lot of open_lots)
    entry(lot.venue, lot.account, lot.asset).lots = addDecimals(
      entry(lot.venue, lot.account, lot.asset).lots,
      parseExact(lot.quantity, 'quantity'),
    );
  for (const row of balances) {
    // The reporting currency is the measure and has no lots.
    if (row.type !== 'cash' || row.asset === settings.reporting_currency) continue;
    const found = entry(row.venue, row.account, row.asset);
    found.cash = addDecimals(found.cash, parseExact(row.balance, 'balance'));
  }
  return [...rows.entries()]
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([, row]) => ({
      venue: row.venue,
      account: row.account,
      asset: row.asset,
      open_lots: formatDecimal(row.lots),
      ledger_cash: formatDecimal(row.cash),
      difference: formatDecimal(subtractDecimals(row.cash, row.lots)),
    }))
    .filter((row) => row.open_lots !== '0' || row.ledger_cash !== '0');
}

function cumulative(flows: readonly { time: string; amount: Decimal }[]): SeriesPoint[] {
  let total = zero_decimal;
  return [...flows]
    .sort((left, right) => (left.time < right.time ? -1 : left.time > right.time ? 1 : 0))
    .map((flow) => {
      total = addDecimals(total, flow.amount);
      return { time: flow.time, value: formatDecimal(total) };
    });
}
