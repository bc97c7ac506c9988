// Valuing amounts in the reporting currency. Precedence (each source named on the value):
//   1. the reporting currency itself is worth 1;
//   2. configured pegs (USDT = 1, USDC = 1 by default);
//   3. prices implied by the event's own trade (BTC/USDT at 60000 prices BTC at 60000 × USDT's price);
//   4. a price table: the latest price at or before the time, if it is not older than the setting.
// A value that cannot be priced is `undefined` here and null in reports, never zero: a zero would
// silently turn into a gain of the full proceeds.
import { type Decimal, multiplyDecimals, parseDecimal } from '../../ledger/money.js';
import { audit_error_codes, auditError } from '../audit-errors.js';
import { divideRounded } from './decimal-math.js';
import type { LotSettings } from './lot-settings.js';

export type PricePoint = { price: Decimal; source: string; time_ms: number };

/** Prices in the reporting currency by asset and time; the audit store fills one from its price rows. */
export interface PriceTable {
  /** The latest price of `asset` at or before `time_ms`, or undefined when there is none. */
  priceAt(asset: string, time_ms: number): PricePoint | undefined;
}

export type PriceRow = { asset: string; time_ms: number; price: Decimal | string; source?: string };

export const price_rows_max = 50_000_000;

/** A price table held in memory: rows per asset sorted by time, looked up by binary search. */
export class InMemoryPriceTable implements PriceTable {
  private readonly series = new Map<string, { times_ms: number[]; points: PricePoint[] }>();

  constructor(rows: Iterable<PriceRow>) {
    const points_by_asset = new Map<string, PricePoint[]>();
    let count = 0;
    for (const row of rows) {
      count += 1;
      if (count > price_rows_max)
        throw auditError(audit_error_codes.too_many_prices, `a price table holds at most ${price_rows_max} rows`);
      const point = checkedPoint(row);
      const points = points_by_asset.get(row.asset) ?? [];
      points.push(point);
      points_by_asset.set(row.asset, points);
    }
    for (const [asset, points] of points_by_asset) {
      // Ties at one time are ordered by source, so the chosen row never depends on input order.
      points.sort(
        (left, right) =>
          left.time_ms - right.time_ms || (left.source < right.source ? -1 : left.source > right.source ? 1 : 0),
      );
      this.series.set(asset, { times_ms: points.map((point) => point.time_ms), points });
    }
  }

  priceAt(asset: string, time_ms: number): PricePoint | undefined {
    const series = this.series.get(asset);
    if (series === undefined) return undefined;
    // The last index whose time is at or before `time_ms`.
    let low = 0;
    let high = series.times_ms.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (series.times_ms[middle]! <= time_ms) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? undefined : series.points[low - 1];
  }
}

export const empty_price_table: PriceTable = { priceAt: () => undefined };

function checkedPoint(row: PriceRow): PricePoint {
  const field = `price of ${row.asset}`;
  if (!Number.isSafeInteger(row.time_ms) || row.time_ms < 0)
    throw auditError(audit_error_codes.price_invalid, `${field}: time_ms must be a non-negative integer`);
  const price = typeof row.price === 'string' ? parseDecimal(row.price, field) : row.price;
  if (price.units <= 0n)
    throw auditError(
      audit_error_codes.price_invalid,
      `${field} at ${new Date(row.time_ms).toISOString()} must be positive`,
    );
  return { price, source: row.source ?? 'price_table', time_ms: row.time_ms };
}

export type PriceKind = 'reporting_currency' | 'peg' | 'trade' | 'table';

/**
 * A price per unit in the reporting currency: `price`, or `price ÷ divisor` when it is implied by
 * division (the quote of a trade priced from its base), in which case values round at the setting.
 */
export type UnitPrice = {
  readonly price: Decimal;
  readonly divisor?: Decimal | undefined;
  readonly kind: PriceKind;
  readonly source: string;
};

export type TradePrices = { base: UnitPrice | undefined; quote: UnitPrice | undefined };

export class Pricer {
  private readonly pegs = new Map<string, UnitPrice>();
  /** Pegs that valued something, recorded in the report's settings. */
  readonly pegs_used = new Set<string>();
  private readonly one: UnitPrice;

  constructor(
    private readonly settings: LotSettings,
    private readonly table: PriceTable,
  ) {
    this.one = { price: { units: 1n, scale: 0 }, kind: 'reporting_currency', source: settings.reporting_currency };
    for (const [asset, price] of Object.entries(settings.pegs))
      this.pegs.set(asset, { price: parseDecimal(price, `pegs.${asset}`), kind: 'peg', source: `peg:${asset}` });
  }

  /** The reporting currency or a peg: prices that hold at every time. */
  fixedPrice(asset: string): UnitPrice | undefined {
    if (asset === this.settings.reporting_currency) return this.one;
    const peg = this.pegs.get(asset);
    if (peg !== undefined) this.pegs_used.add(asset);
    return peg;
  }

  /** A price that needs no trade: fixed, else the price table within the age limit. */
  directPrice(asset: string, time_ms: number): UnitPrice | undefined {
    return this.fixedPrice(asset) ?? this.tablePrice(asset, time_ms);
  }

  tablePrice(asset: string, time_ms: number): UnitPrice | undefined {
    const point = this.table.priceAt(asset, time_ms);
    if (point === undefined) return undefined;
    if (point.time_ms > time_ms)
      throw auditError(
        audit_error_codes.price_invalid,
        `the price table answered a price of ${asset} from after the time asked`,
      );
    if (time_ms - point.time_ms > this.settings.price_age_max_ms) return undefined;
    return { price: point.price, kind: 'table', source: point.source };
  }

  /**
   * The unit prices of a trade's base and quote. The quote anchors the trade when it has a price
   * of its own (the base is then trade price × quote price, exact); otherwise a priced base anchors
   * it and the quote is base price ÷ trade price. The reporting currency and pegs win over both.
   */
  tradePrices(base: string, quote: string, price: Decimal, time_ms: number, event_id: string): TradePrices {
    const fixed_base = this.fixedPrice(base);
    const fixed_quote = this.fixedPrice(quote);
    const quote_price = fixed_quote ?? (fixed_base === undefined ? this.tablePrice(quote, time_ms) : undefined);
    if (quote_price !== undefined) {
      if (fixed_base !== undefined) return { base: fixed_base, quote: quote_price };
      const implied_base: UnitPrice = {
        price: multiplyDecimals(quote_price.price, price),
        divisor: quote_price.divisor,
        kind: 'trade',
        source: event_id,
      };
      return { base: implied_base, quote: quote_price };
    }
    const base_price = fixed_base ?? this.tablePrice(base, time_ms);
    if (base_price === undefined) return { base: undefined, quote: undefined };
    const implied_quote: UnitPrice = {
      price: base_price.price,
      divisor: multiplyOptional(base_price.divisor, price),
      kind: 'trade',
      source: event_id,
    };
    return { base: base_price, quote: implied_quote };
  }

  /** `amount × unit price`, exact unless the price is implied by division. */
  value(amount: Decimal, unit: UnitPrice): Decimal {
    const product = multiplyDecimals(amount, unit.price);
    return unit.divisor === undefined ? product : divideRounded(product, unit.divisor, this.settings.rounding_scale);
  }
}

function multiplyOptional(left: Decimal | undefined, right: Decimal): Decimal {
  return left === undefined ? right : multiplyDecimals(left, right);
}

/**
 * Prices observed in spot trades quoted in the reporting currency or a pegged asset, as price-table
 * rows: what a command without a price service can know. `source` is `trade:<event id>`. A row
 * counts from the trade's ordering time (`order_time_ms`: a prior-period adjustment's counts from
 * its close boundary, so that nothing dated in the closed period changes).
 */
export function priceRowsFromTrades(
  events: Iterable<{
    type: string;
    id: string;
    time: string;
    instrument?: { kind: string; base: string; quote: string };
    price?: string;
  }>,
  settings: LotSettings,
  order_time_ms: (event_id: string, time_ms: number) => number = (_event_id, time_ms) => time_ms,
): PriceRow[] {
  const pricer = new Pricer(settings, empty_price_table);
  const rows: PriceRow[] = [];
  for (const event of events) {
    if (event.type !== 'trade' || event.instrument?.kind !== 'spot' || event.price === undefined) continue;
    const quote_price = pricer.fixedPrice(event.instrument.quote);
    if (quote_price === undefined || pricer.fixedPrice(event.instrument.base) !== undefined) continue;
    rows.push({
      asset: event.instrument.base,
      time_ms: order_time_ms(event.id, Date.parse(event.time)),
      price: multiplyDecimals(parseDecimal(event.price, 'price'), quote_price.price),
      source: `trade:${event.id}`,
    });
  }
  return rows;
}

/**
 * A price table that grows as a fold moves forward in time (the streaming audit): points are
 * added as the events that imply them are reached, and points too old to answer any later
 * question are dropped, so it holds what the age limit can still use, not every price ever seen.
 * For the same points it answers exactly as `InMemoryPriceTable`.
 */
export class SeriesPriceTable implements PriceTable {
  private readonly series = new Map<string, PricePoint[]>();
  /** The time of the last `forgetBefore`: questions before it may find a point gone. */
  horizon_ms = Number.NEGATIVE_INFINITY;

  add(row: PriceRow): void {
    const point = checkedPoint(row);
    const points = this.series.get(row.asset) ?? [];
    this.series.set(row.asset, points);
    // Mostly an append: walk back over the few points that sort after it (same order as InMemoryPriceTable).
    let index = points.length;
    while (index > 0 && comparePoints(points[index - 1]!, point) > 0) index -= 1;
    points.splice(index, 0, point);
  }

  priceAt(asset: string, time_ms: number): PricePoint | undefined {
    const points = this.series.get(asset);
    if (points === undefined) return undefined;
    let low = 0;
    let high = points.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (points[middle]!.time_ms <= time_ms) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? undefined : points[low - 1];
  }

  /** Drops points before `time_ms` except the latest of each asset: no question at or after `time_ms` needs them. */
  forgetBefore(time_ms: number): void {
    this.horizon_ms = Math.max(this.horizon_ms, time_ms);
    for (const points of this.series.values()) {
      let first_kept = 0;
      while (first_kept + 1 < points.length && points[first_kept + 1]!.time_ms <= time_ms) first_kept += 1;
      if (first_kept > 0) points.splice(0, first_kept);
    }
  }

  /** Every point held, with its asset: what a checkpoint keeps. */
  points(): (PricePoint & { asset: string })[] {
    return [...this.series.entries()].flatMap(([asset, points]) => points.map((point) => ({ asset, ...point })));
  }
}

function comparePoints(left: PricePoint, right: PricePoint): number {
  return left.time_ms - right.time_ms || (left.source < right.source ? -1 : left.source > right.source ? 1 : 0);
}
