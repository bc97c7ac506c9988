// The streaming audit's fold (pure): lots, derivative positions, running balances and prices,
// carried from one event to the next in canonical order (event time, then id), so that a batch of
// new events costs what it holds, not what the store holds. The fold gives exactly what the full
// recompute (`lotReport` and `tradeRecords` over every event) gives, because it IS that fold,
// cut into pieces:
//   - state between pieces is exported whole (`exportState`) and a fold restored from it goes on
//     exactly as one that never stopped: a checkpoint;
//   - events of one millisecond are applied together after the prices they imply are known, since
//     a price lookup at time t sees every trade at t, whatever its id;
//   - prices are kept only as far back as a later lookup can reach (the latest point per asset);
//     a deposit valued at an earlier acquisition time, or a prior-period adjustment valued at its
//     own time, is given that one price by the caller (`DepositPriceLookups`), read from every
//     stored event, as the full recompute sees it;
//   - events are folded in ordering time (`period-close.ts`): a prior-period adjustment at its
//     close boundary, with its own time on its rows.
// What comes out per piece (`drain`): the lot rows, the remaining quantity of every lot touched,
// and per fill what trade records need (its lots and the balances it saw).
import { eventTimeMs, type EventOf, type KeelEvent } from '../engine/event-schema.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { assertAudit } from './audit-errors.js';
import { LotEngine, type LotEngineState, type LotRowsDrained } from './lots/lot-engine.js';
import { lotSettings, type LotSettings } from './lots/lot-settings.js';
import {
  priceRowsFromTrades,
  SeriesPriceTable,
  type PricePoint,
  type PriceRow,
  type PriceTable,
} from './lots/pricing.js';
import {
  BalanceBook,
  lotClosedOf,
  lotOpenedOf,
  missingBasisOf,
  type BalanceEntries,
  type FillBalances,
  type LotClosed,
  type LotOpened,
  type MissingBasis,
} from './trade-records.js';

/** Everything a fold carries between two events: what a checkpoint stores. */
export type FoldState = {
  engine: LotEngineState;
  balances: BalanceEntries;
  /** The latest price point of each asset at or before the fold's time (and the points of that very millisecond). */
  prices: (PricePoint & { asset: string })[];
  /** Time of the last millisecond applied; the next events must be later. */
  last_time_ms: number;
  events_applied: number;
};

/** What trade records need of one fill, as the store keeps it. */
export type FillFacts = {
  event_id: string;
  trade_id: string;
  time: string;
  opened: LotOpened[];
  closed: LotClosed[];
  missing_basis: MissingBasis[];
  /** Null when the ledger cannot post the fill (it then moves no balance). */
  balances: FillBalances | null;
};

export type FoldOutput = LotRowsDrained & { fills: FillFacts[] };

/** Prices asked for before the fold's time (`earlyPriceQuestions`), looked up before the fold reaches them. */
export type DepositPriceLookups = ReadonlyMap<string, PricePoint | null>;

export function depositLookupKey(asset: string, time_ms: number): string {
  return `${asset}@${time_ms}`;
}

/**
 * The prices some events ask for at a time before the fold reaches them: a deposit's cost basis at
 * its acquisition time, and every asset a prior-period adjustment names at its own time (it is
 * applied at a later close boundary, `period-close.ts`, but valued at its own time).
 */
export function earlyPriceQuestions(
  events: Iterable<KeelEvent>,
  settings: LotSettings,
  order_time_ms: (event: KeelEvent) => number,
): { asset: string; time_ms: number }[] {
  const questions = new Map<string, { asset: string; time_ms: number }>();
  const ask = (asset: string, time_ms: number) => {
    if (asset !== settings.reporting_currency && !(asset in settings.pegs))
      questions.set(depositLookupKey(asset, time_ms), { asset, time_ms });
  };
  for (const event of events) {
    if (event.type === 'deposit' && event.cost_basis !== undefined)
      ask(event.cost_basis.currency, Date.parse(event.cost_basis.acquired_at));
    const time_ms = eventTimeMs(event);
    if (order_time_ms(event) !== time_ms) for (const asset of assetsNamed(event)) ask(asset, time_ms);
  }
  return [...questions.values()];
}

function assetsNamed(event: KeelEvent): string[] {
  const assets: string[] = [];
  if ('instrument' in event && event.instrument !== undefined)
    assets.push(event.instrument.base, event.instrument.quote);
  if ('asset' in event) assets.push(event.asset);
  if ('fees' in event) for (const fee of event.fees) assets.push(fee.asset);
  return assets;
}

export class AuditFold {
  readonly settings: LotSettings;
  private readonly series = new SeriesPriceTable();
  private readonly lookups = new Map<string, PricePoint | null>();
  private readonly engine: LotEngine;
  private readonly balances: BalanceBook;
  private last_time_ms: number;
  private events_applied: number;
  private fills: FillFacts[] = [];

  constructor(
    settings: Partial<LotSettings>,
    private readonly registry: AssetRegistry,
    state?: FoldState,
  ) {
    this.settings = lotSettings(settings);
    for (const point of state?.prices ?? []) this.series.add({ ...point });
    if (state !== undefined) this.series.forgetBefore(state.last_time_ms);
    const prices: PriceTable = { priceAt: (asset, time_ms) => this.priceAt(asset, time_ms) };
    this.engine = new LotEngine(this.settings, prices, state?.engine);
    this.balances = new BalanceBook(state?.balances);
    this.last_time_ms = state?.last_time_ms ?? Number.NEGATIVE_INFINITY;
    this.events_applied = state?.events_applied ?? 0;
  }

  get time_ms(): number {
    return this.last_time_ms;
  }

  get applied(): number {
    return this.events_applied;
  }

  exportState(): FoldState {
    return {
      engine: this.engine.exportState(),
      balances: this.balances.exportState(),
      // Points after the fold's time (price rows read ahead) are read again by whoever restores it.
      prices: this.series.points().filter((point) => point.time_ms <= this.last_time_ms),
      last_time_ms: this.last_time_ms,
      events_applied: this.events_applied,
    };
  }

  /** Price rows of the store's price table (not implied by trades) from the fold's time on. */
  addPriceRows(rows: Iterable<PriceRow>): void {
    for (const row of rows) this.series.add(row);
  }

  /** Answers for deposits' acquisition-time prices (`depositPriceQuestions`), valid for this fold's events. */
  addDepositLookups(lookups: DepositPriceLookups): void {
    for (const [key, point] of lookups) this.lookups.set(key, point);
  }

  /**
   * Applies the events ordered at one millisecond, later than every event applied so far, in any
   * order: events of that millisecond and prior-period adjustments whose close boundary it is
   * (`period-close.ts`; the caller says which by giving `order_time_ms`).
   */
  applyMillisecond(
    events: readonly KeelEvent[],
    order_time_ms = events.length === 0 ? Number.NaN : eventTimeMs(events[0]!),
  ): void {
    if (events.length === 0) return;
    assertAudit(
      order_time_ms > this.last_time_ms,
      `fold at ${this.last_time_ms} given events of ${order_time_ms}: one millisecond at a time, forwards`,
    );
    this.series.forgetBefore(order_time_ms);
    const ordered = [...events].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
    for (const event of ordered)
      assertAudit(
        eventTimeMs(event) <= order_time_ms,
        `event ${event.id} is ordered at ${order_time_ms}, before its own time`,
      );
    for (const row of priceRowsFromTrades(ordered, this.settings, () => order_time_ms)) this.series.add(row);
    for (const event of ordered) this.apply(event, order_time_ms);
    this.last_time_ms = order_time_ms;
    this.events_applied += ordered.length;
  }

  /** What the events applied since the last drain produced; then forgets it. */
  drain(): FoldOutput {
    const rows = this.engine.drain();
    const opened = groupByEvent(rows.acquisitions);
    const closed = groupByEvent(rows.disposals);
    const missing = groupByEvent(rows.missing_basis);
    const fills = this.fills.map((fill) => ({
      ...fill,
      opened: (opened.get(fill.event_id) ?? []).map(lotOpenedOf),
      closed: (closed.get(fill.event_id) ?? []).map(lotClosedOf),
      missing_basis: (missing.get(fill.event_id) ?? []).map(missingBasisOf),
    }));
    this.fills = [];
    this.lookups.clear();
    return { ...rows, fills };
  }

  private apply(event: KeelEvent, order_time_ms: number): void {
    this.engine.applyAt(event, order_time_ms, eventTimeMs(event));
    const balances = this.balances.apply(event, this.registry);
    if (event.type === 'trade') this.fills.push(fillFacts(event, balances ?? null));
  }

  /** A prepared answer when there is one (deposits' acquisition times), else the series, which knows every point up to the fold's time. */
  private priceAt(asset: string, time_ms: number): PricePoint | undefined {
    const prepared = this.lookups.get(depositLookupKey(asset, time_ms));
    if (prepared !== undefined) return prepared ?? undefined;
    assertAudit(
      time_ms >= this.series.horizon_ms,
      `no price was prepared for ${asset} at ${new Date(time_ms).toISOString()}: call addDepositLookups first`,
    );
    return this.series.priceAt(asset, time_ms);
  }
}

function fillFacts(event: EventOf<'trade'>, balances: FillBalances | null): FillFacts {
  return {
    event_id: event.id,
    trade_id: `${event.venue}:${event.account}:order:${event.order_id}`,
    time: event.time,
    opened: [],
    closed: [],
    missing_basis: [],
    balances,
  };
}

function groupByEvent<Row extends { event_id: string }>(rows: readonly Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const group = groups.get(row.event_id);
    if (group === undefined) groups.set(row.event_id, [row]);
    else group.push(row);
  }
  return groups;
}

/**
 * A fold state as text for the store: JSON with bigints as `{"$bigint": "…"}` and the infinite
 * start time as `{"$number": "-Infinity"}`, so that decoding gives back exactly the same values.
 */
export function encodeFoldState(state: FoldState): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (typeof value === 'bigint') return { $bigint: value.toString() };
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    return value;
  });
}

export function decodeFoldState(text: string): FoldState {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null) {
      if ('$bigint' in value) return BigInt((value as { $bigint: string }).$bigint);
      if ('$number' in value) return Number((value as { $number: string }).$number);
    }
    return value;
  }) as FoldState;
}
