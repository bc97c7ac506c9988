// The lot engine (pure): a fold over events in (time, id) order that opens lots on acquisitions,
// takes them in the method's order on disposals, moves them on transfers and lets them leave on
// withdrawals. Its output is a deterministic function of the SET of events: `computeLots` sorts
// first, so an event that arrives late is simply placed at its time when the lots are computed
// again (a full recompute is O(n log n): one sort, then O(log n) per lot taken or added).
//
// What each event does (the fee policy and its reasons are recorded in the report's settings):
//   spot trade  buy: acquire the base (cost = value of the exchange + fees), dispose of the quote
//               net of quote fees; sell: the mirror image. The reporting currency has no lots.
//               A fee in any other asset is a disposal of that asset at market value.
//   derivative  position lots and PnL in `derivatives.ts`; fees in a crypto asset are disposals.
//   income, funding, settlement  positive: an acquisition at market value; negative: a disposal.
//   deposit     with cost_basis: a lot acquired at cost_basis.acquired_at; without: no lot.
//               Its fee is a disposal at market value.
//   withdrawal  lots leave the pool (listed as withdrawn, not disposals); its fee is a disposal.
//   transfer    lots move to the other account's pool (nothing happens with the global pool).
import { eventTimeMs, type EventOf, type KeelEvent } from '../../engine/event-schema.js';
import type { Decimal } from '../../ledger/money.js';
import { canonicalJson } from '../../platform/canonical-json.js';
import { assertAudit, audit_error_codes, auditError } from '../audit-errors.js';
import { isNegative, parseExact, isPositive, isZero, proportionalShare } from './decimal-math.js';
import {
  addDecimals,
  formatDecimal,
  multiplyDecimals,
  negateDecimal,
  subtractDecimals,
  zero_decimal,
} from '../../ledger/money.js';
import { DerivativeBook, type PositionState } from './derivatives.js';
import { anniversaryKey, termOf, utcDateKey } from './holding-period.js';
import { LotPool, method_order, type Lot, type LotPiece, type Taken } from './lot-pool.js';
import type {
  AcquisitionKind,
  AcquisitionRow,
  ConflictRow,
  DepositWithoutBasisRow,
  DisposalKind,
  DisposalRow,
  LotReport,
  MissingBasisRow,
  OpenLotRow,
  TransferredRow,
  UnpricedRow,
  WithdrawnRow,
} from './lot-report.js';
import { lotSettings, recordSettings, type LotSettings } from './lot-settings.js';
import { orderTimeOf, type ClosedPeriod } from './period-close.js';
import { empty_price_table, Pricer, type PriceTable, type UnitPrice } from './pricing.js';
import { flatConcat } from '../../platform/flat-string.js';

/** The fold's state between two events (see `LotEngine.exportState`). */
export type LotEngineState = {
  pools: (readonly [key: string, lots: Lot[]])[];
  positions: PositionState[];
  sequence: number;
  last_time_ms: number;
  last_id: string;
  pegs_used: string[];
};

/** What a stretch of the fold produced: rows by kind, and the remaining quantity of every lot it changed. */
export type LotRowsDrained = {
  disposals: DisposalRow[];
  acquisitions: AcquisitionRow[];
  missing_basis: MissingBasisRow[];
  withdrawn: WithdrawnRow[];
  transferred: TransferredRow[];
  unpriced: UnpricedRow[];
  deposits_without_basis: DepositWithoutBasisRow[];
  remaining: { lot_id: string; quantity: string }[];
};

/** More events than this in one computation is refused rather than left to exhaust memory. */
export const events_max = 50_000_000;

type Place = { readonly venue: string; readonly account: string };

/** The event being applied, with what every leg of it needs. */
type Context = {
  readonly event_id: string;
  readonly time_ms: number;
  readonly time: string;
  readonly place: Place;
  date_key: number | undefined;
};

/** Which kind an acquisition or a disposal of a signed flow is. */
type FlowKinds = { readonly acquired: AcquisitionKind; readonly disposed: DisposalKind };
const trade_flow: FlowKinds = { acquired: 'trade', disposed: 'trade' };
const fee_flow: FlowKinds = { acquired: 'rebate', disposed: 'fee' };

export class LotEngine {
  readonly settings: LotSettings;
  private readonly pricer: Pricer;
  private readonly derivatives: DerivativeBook;
  private readonly pools = new Map<string, LotPool>();
  private sequence = 0;
  private last_time_ms = -Infinity;
  private last_id = '';

  private disposals: DisposalRow[] = [];
  private acquisitions: AcquisitionRow[] = [];
  private missing_basis: MissingBasisRow[] = [];
  private withdrawn: WithdrawnRow[] = [];
  private transferred: TransferredRow[] = [];
  private unpriced: UnpricedRow[] = [];
  private deposits_without_basis: DepositWithoutBasisRow[] = [];
  private readonly conflicts: ConflictRow[] = [];
  /** Lots added or taken from since the last `drain`: the audit store keeps their remaining quantity. */
  private touched = new Map<string, Lot | LotPiece>();

  /** `state`: a checkpoint to continue from (`exportState` of an engine with the same settings). */
  constructor(settings: LotSettings, prices: PriceTable = empty_price_table, state?: LotEngineState) {
    this.settings = settings;
    this.pricer = new Pricer(settings, prices);
    this.derivatives = new DerivativeBook(settings.rounding_scale, state?.positions);
    if (state !== undefined) this.importState(state);
  }

  /**
   * Everything the fold carries from one event to the next (open lots, positions, counters): what
   * a checkpoint keeps. Continuing from it gives exactly what an engine that never stopped gives.
   */
  exportState(): LotEngineState {
    return {
      pools: [...this.pools.entries()]
        .map(([key, pool]) => [key, pool.lots().map((lot) => ({ ...lot }))] as const)
        .filter(([, lots]) => lots.length > 0),
      positions: this.derivatives.exportPositions(),
      sequence: this.sequence,
      last_time_ms: this.last_time_ms,
      last_id: this.last_id,
      pegs_used: [...this.pricer.pegs_used].sort(),
    };
  }

  private importState(state: LotEngineState): void {
    for (const [key, lots] of state.pools)
      this.pools.set(
        key,
        LotPool.of(
          method_order[this.settings.method],
          lots.map((lot) => ({ ...lot })),
        ),
      );
    this.sequence = state.sequence;
    this.last_time_ms = state.last_time_ms;
    this.last_id = state.last_id;
    for (const asset of state.pegs_used) this.pricer.pegs_used.add(asset);
  }

  /** The rows made since the last drain, and the lots whose remaining quantity changed; then forgets them. */
  drain(): LotRowsDrained {
    const remaining = [...this.touched.values()].map((entry) =>
      'emptied' in entry
        ? { lot_id: entry.lot.lot_id, quantity: entry.emptied ? '0' : formatDecimal(entry.lot.quantity) }
        : { lot_id: entry.lot_id, quantity: formatDecimal(entry.quantity) },
    );
    const drained: LotRowsDrained = {
      disposals: this.disposals,
      acquisitions: this.acquisitions,
      missing_basis: this.missing_basis,
      withdrawn: this.withdrawn,
      transferred: this.transferred,
      unpriced: this.unpriced,
      deposits_without_basis: this.deposits_without_basis,
      remaining,
    };
    this.disposals = [];
    this.acquisitions = [];
    this.missing_basis = [];
    this.withdrawn = [];
    this.transferred = [];
    this.unpriced = [];
    this.deposits_without_basis = [];
    this.touched = new Map();
    return drained;
  }

  /** Applies one event; events must come in strictly increasing (time, id) order. */
  apply(event: KeelEvent): void {
    const time_ms = eventTimeMs(event);
    this.applyAt(event, time_ms, time_ms);
  }

  /**
   * `apply` at an ordering time: the event's own time, or for a prior-period adjustment the close
   * boundary (`period-close.ts`). Order follows `order_time_ms`; its rows, values and holding
   * period keep its own `time_ms` (already parsed: computeLots has it from sorting).
   */
  applyAt(event: KeelEvent, order_time_ms: number, time_ms: number): void {
    assertAudit(
      order_time_ms >= time_ms,
      `event ${event.id} ordered at ${order_time_ms}, before its own time ${time_ms}`,
    );
    if (order_time_ms < this.last_time_ms || (order_time_ms === this.last_time_ms && event.id <= this.last_id)) {
      throw auditError(
        audit_error_codes.event_out_of_order,
        `event ${event.id} at ${event.time} comes before or equals the last event applied; sort first (computeLots does)`,
      );
    }
    this.last_time_ms = order_time_ms;
    this.last_id = event.id;
    const context: Context = {
      event_id: event.id,
      time_ms,
      time: event.time,
      place: { venue: event.venue, account: event.account },
      date_key: undefined,
    };
    switch (event.type) {
      case 'trade':
        if (event.instrument.kind === 'spot') this.spotTrade(context, event);
        else this.derivativeTrade(context, event);
        return;
      case 'income':
        this.marketFlow(
          context,
          event.asset,
          parseExact(event.amount, 'amount'),
          { acquired: 'income', disposed: 'income' },
          'income',
        );
        return;
      case 'funding':
        this.derivatives.funding(event);
        this.marketFlow(
          context,
          event.asset,
          parseExact(event.amount, 'amount'),
          { acquired: 'funding', disposed: 'funding' },
          'funding',
        );
        return;
      case 'settlement':
        this.derivatives.settlement(event);
        this.marketFlow(
          context,
          event.asset,
          parseExact(event.amount, 'amount'),
          { acquired: 'settlement', disposed: 'settlement' },
          'settlement',
        );
        return;
      case 'deposit':
        this.deposit(context, event);
        return;
      case 'withdrawal':
        this.withdrawal(context, event);
        return;
      case 'transfer':
        this.transfer(context, event);
        return;
      default:
        // margin moves coins within the account (cash ⇄ margin: still owned, same pool);
        // decisions, risk checks and orders move nothing.
        return;
    }
  }

  recordConflict(conflict: ConflictRow): void {
    this.conflicts.push(conflict);
  }

  report(): LotReport {
    return {
      settings: recordSettings(this.settings, this.pricer.pegs_used),
      disposals: this.disposals,
      acquisitions: this.acquisitions,
      open_lots: this.openLots(),
      missing_basis: this.missing_basis,
      withdrawn: this.withdrawn,
      transferred: this.transferred,
      unpriced: this.unpriced,
      deposits_without_basis: this.deposits_without_basis,
      derivatives: this.derivatives.rows(),
      conflicts: this.conflicts,
    };
  }

  private spotTrade(context: Context, event: EventOf<'trade'>): void {
    const { base, quote } = event.instrument;
    const quantity = parseExact(event.quantity, 'quantity');
    const price = parseExact(event.price, 'price');
    const cost = event.cost === undefined ? multiplyDecimals(quantity, price) : parseExact(event.cost, 'cost');
    const prices = this.pricer.tradePrices(base, quote, price, context.time_ms, event.id);
    // The value of what changed hands: the quote amount when the quote has a price, else the base.
    const exchange_value =
      prices.quote !== undefined
        ? this.pricer.value(cost, prices.quote)
        : prices.base !== undefined
          ? this.pricer.value(quantity, prices.base)
          : null;
    if (exchange_value === null) this.recordUnpriced(context, base, quantity, 'trade');

    let fee_value_total: Decimal | null = zero_decimal;
    let quote_fee_quantity = zero_decimal;
    let quote_fee_value: Decimal | null = zero_decimal;
    const other_fees: { leg: string; asset: string; amount: Decimal; value: Decimal | null }[] = [];
    event.fees.forEach((fee, index) => {
      const amount = parseExact(fee.amount, `fees.${index}.amount`);
      if (isZero(amount)) return;
      const unit =
        fee.asset === base
          ? prices.base
          : fee.asset === quote
            ? prices.quote
            : this.pricer.directPrice(fee.asset, context.time_ms);
      const value = this.valueOrUnpriced(context, fee.asset, amount, unit, 'fee');
      fee_value_total = addNullable(fee_value_total, value);
      if (fee.asset === quote) {
        quote_fee_quantity = addDecimals(quote_fee_quantity, amount);
        quote_fee_value = addNullable(quote_fee_value, value);
      } else if (fee.asset !== this.settings.reporting_currency) {
        other_fees.push({ leg: `fee:${index}`, asset: fee.asset, amount, value });
      }
    });

    if (event.side === 'buy') {
      this.acquire(
        context,
        'base',
        'trade',
        context.place,
        base,
        quantity,
        addNullable(exchange_value, fee_value_total),
        context.time_ms,
      );
      this.flow(
        context,
        'quote',
        trade_flow,
        quote,
        negateDecimal(addDecimals(cost, quote_fee_quantity)),
        negateNullable(addNullable(exchange_value, quote_fee_value)),
      );
    } else {
      this.dispose(context, 'trade', context.place, base, quantity, subtractNullable(exchange_value, fee_value_total));
      this.flow(
        context,
        'quote',
        trade_flow,
        quote,
        subtractDecimals(cost, quote_fee_quantity),
        subtractNullable(exchange_value, quote_fee_value),
      );
    }
    for (const fee of other_fees)
      this.flow(context, fee.leg, fee_flow, fee.asset, negateDecimal(fee.amount), negateNullable(fee.value));
  }

  private derivativeTrade(context: Context, event: EventOf<'trade'>): void {
    this.derivatives.trade(event);
    event.fees.forEach((fee, index) => {
      const amount = parseExact(fee.amount, `fees.${index}.amount`);
      if (isZero(amount) || fee.asset === this.settings.reporting_currency) return;
      const value = this.valueOrUnpriced(
        context,
        fee.asset,
        amount,
        this.pricer.directPrice(fee.asset, context.time_ms),
        'fee',
      );
      this.flow(context, `fee:${index}`, fee_flow, fee.asset, negateDecimal(amount), negateNullable(value));
    });
  }

  /** A signed flow of `asset` valued at market: income, funding, settlement. */
  private marketFlow(context: Context, asset: string, amount: Decimal, kinds: FlowKinds, role: string): void {
    if (isZero(amount) || asset === this.settings.reporting_currency) return;
    const value = this.valueOrUnpriced(context, asset, amount, this.pricer.directPrice(asset, context.time_ms), role);
    this.flow(context, 'amount', kinds, asset, amount, value);
  }

  private deposit(context: Context, event: EventOf<'deposit'>): void {
    const amount = parseExact(event.amount, 'amount');
    if (event.asset !== this.settings.reporting_currency) {
      if (event.cost_basis === undefined) {
        this.deposits_without_basis.push({
          event_id: event.id,
          venue: event.venue,
          account: event.account,
          asset: event.asset,
          quantity: formatDecimal(amount),
        });
      } else {
        const acquired_ms = Date.parse(event.cost_basis.acquired_at);
        const basis = parseExact(event.cost_basis.amount, 'cost_basis.amount');
        const unit = this.pricer.directPrice(event.cost_basis.currency, acquired_ms);
        const cost = this.valueOrUnpriced(context, event.cost_basis.currency, basis, unit, 'cost_basis');
        this.acquire(context, 'amount', 'deposit', context.place, event.asset, amount, cost, acquired_ms);
      }
    }
    this.externalFee(context, event.asset, event.fee, 'deposit_fee');
  }

  private withdrawal(context: Context, event: EventOf<'withdrawal'>): void {
    const amount = parseExact(event.amount, 'amount');
    if (event.asset !== this.settings.reporting_currency) {
      const taken = this.take(context.place, event.asset, amount);
      for (const piece of taken.pieces) this.withdrawn.push(this.withdrawnRow(context, event.asset, piece));
      if (isPositive(taken.uncovered)) this.missing(context, 'withdrawal', event.asset, taken.uncovered, null);
    }
    this.externalFee(context, event.asset, event.fee, 'withdrawal_fee');
  }

  /** A deposit's or withdrawal's fee: paid in the asset itself, so a disposal at market value. */
  private externalFee(context: Context, asset: string, fee_text: string | undefined, kind: DisposalKind): void {
    if (fee_text === undefined || asset === this.settings.reporting_currency) return;
    const fee = parseExact(fee_text, 'fee');
    if (isZero(fee)) return;
    const value = this.valueOrUnpriced(context, asset, fee, this.pricer.directPrice(asset, context.time_ms), kind);
    this.dispose(context, kind, context.place, asset, fee, value);
  }

  private transfer(context: Context, event: EventOf<'transfer'>): void {
    if (this.settings.pool === 'global' || event.asset === this.settings.reporting_currency) return;
    const amount = parseExact(event.amount, 'amount');
    const destination: Place = { venue: event.to_venue, account: event.to_account };
    const taken = this.take(context.place, event.asset, amount);
    for (const piece of taken.pieces) {
      const moved: Lot = {
        ...piece.lot,
        lot_id: flatConcat(piece.lot.lot_id, '/moved-by/', event.id),
        venue: destination.venue,
        account: destination.account,
        quantity: piece.quantity,
        cost: piece.cost,
        sequence: this.nextSequence(),
      };
      this.addLot(destination, event.asset, moved);
      this.transferred.push({
        event_id: event.id,
        asset: event.asset,
        quantity: formatDecimal(piece.quantity),
        cost_basis: formatNullable(piece.cost),
        acquired_at: piece.lot.acquired_at,
        lot_id: piece.lot.lot_id,
        new_lot_id: moved.lot_id,
        from_venue: event.venue,
        from_account: event.account,
        to_venue: destination.venue,
        to_account: destination.account,
      });
    }
    if (isPositive(taken.uncovered)) this.missing(context, 'transfer', event.asset, taken.uncovered, null);
  }

  /** A signed quantity with its signed value: positive is an acquisition, negative a disposal. */
  private flow(
    context: Context,
    leg: string,
    kinds: FlowKinds,
    asset: string,
    quantity: Decimal,
    value: Decimal | null,
  ): void {
    if (isPositive(quantity))
      this.acquire(context, leg, kinds.acquired, context.place, asset, quantity, value, context.time_ms);
    else if (isNegative(quantity))
      this.dispose(context, kinds.disposed, context.place, asset, negateDecimal(quantity), negateNullable(value));
  }

  private acquire(
    context: Context,
    leg: string,
    kind: AcquisitionKind,
    place: Place,
    asset: string,
    quantity: Decimal,
    cost: Decimal | null,
    acquired_ms: number,
  ): void {
    if (asset === this.settings.reporting_currency) return;
    const acquired_at = acquired_ms === context.time_ms ? context.time : isoTime(acquired_ms);
    const sequence = this.nextSequence();
    const lot: Lot = {
      lot_id: flatConcat(context.event_id, '#', leg),
      venue: place.venue,
      account: place.account,
      asset,
      quantity,
      cost,
      acquired_ms,
      acquired_at,
      anniversary_key: anniversaryKey(acquired_ms),
      acquisition_event_id: context.event_id,
      origin_sequence: sequence,
      sequence,
      unit_cost_amount: cost,
      unit_cost_quantity: quantity,
    };
    this.addLot(place, asset, lot);
    const row: AcquisitionRow = {
      lot_id: lot.lot_id,
      event_id: context.event_id,
      kind,
      venue: place.venue,
      account: place.account,
      asset,
      quantity: formatDecimal(quantity),
      cost_basis: formatNullable(cost),
      acquired_at,
    };
    if (cost === null) row.unpriced = true;
    this.acquisitions.push(row);
  }

  /**
   * Takes `quantity` from the pool in method order; one row per lot taken, the proceeds shared in
   * proportion to quantity (the last share is what is left, so the shares add up exactly). What
   * no lot covers is missing basis, with its share of the proceeds.
   */
  private dispose(
    context: Context,
    kind: DisposalKind,
    place: Place,
    asset: string,
    quantity: Decimal,
    proceeds: Decimal | null,
  ): void {
    if (asset === this.settings.reporting_currency) return;
    const taken = this.take(place, asset, quantity);
    let proceeds_left = proceeds;
    let quantity_left = quantity;
    for (const piece of taken.pieces) {
      const share =
        proceeds_left === null
          ? null
          : proportionalShare(proceeds_left, piece.quantity, quantity_left, this.settings.rounding_scale);
      proceeds_left = subtractNullable(proceeds_left, share);
      quantity_left = subtractDecimals(quantity_left, piece.quantity);
      this.disposals.push(this.disposalRow(context, kind, asset, piece, share));
    }
    if (isPositive(taken.uncovered)) this.missing(context, kind, asset, taken.uncovered, proceeds_left);
  }

  private disposalRow(
    context: Context,
    kind: DisposalKind,
    asset: string,
    piece: LotPiece,
    proceeds: Decimal | null,
  ): DisposalRow {
    context.date_key ??= utcDateKey(context.time_ms);
    const gain = proceeds === null || piece.cost === null ? null : subtractDecimals(proceeds, piece.cost);
    const row: DisposalRow = {
      event_id: context.event_id,
      kind,
      venue: context.place.venue,
      account: context.place.account,
      asset,
      quantity: formatDecimal(piece.quantity),
      acquired_at: piece.lot.acquired_at,
      disposed_at: context.time,
      proceeds: formatNullable(proceeds),
      cost_basis: formatNullable(piece.cost),
      gain: formatNullable(gain),
      term: termOf(piece.lot.anniversary_key, context.date_key),
      lot_id: piece.lot.lot_id,
      acquisition_event_id: piece.lot.acquisition_event_id,
    };
    if (gain === null) row.unpriced = true;
    return row;
  }

  private withdrawnRow(context: Context, asset: string, piece: LotPiece): WithdrawnRow {
    return {
      event_id: context.event_id,
      venue: context.place.venue,
      account: context.place.account,
      asset,
      quantity: formatDecimal(piece.quantity),
      cost_basis: formatNullable(piece.cost),
      acquired_at: piece.lot.acquired_at,
      withdrawn_at: context.time,
      lot_id: piece.lot.lot_id,
      acquisition_event_id: piece.lot.acquisition_event_id,
    };
  }

  private missing(
    context: Context,
    kind: MissingBasisRow['kind'],
    asset: string,
    quantity: Decimal,
    proceeds: Decimal | null,
  ): void {
    this.missing_basis.push({
      event_id: context.event_id,
      kind,
      venue: context.place.venue,
      account: context.place.account,
      asset,
      quantity: formatDecimal(quantity),
      proceeds: formatNullable(proceeds),
    });
  }

  private valueOrUnpriced(
    context: Context,
    asset: string,
    amount: Decimal,
    unit: UnitPrice | undefined,
    role: string,
  ): Decimal | null {
    if (unit !== undefined) return this.pricer.value(amount, unit);
    this.recordUnpriced(context, asset, amount, role);
    return null;
  }

  private recordUnpriced(context: Context, asset: string, quantity: Decimal, role: string): void {
    this.unpriced.push({
      event_id: context.event_id,
      time: context.time,
      asset,
      quantity: formatDecimal(quantity),
      role,
    });
  }

  /** Takes from a pool, remembering each lot taken from (its remaining quantity changed). */
  private take(place: Place, asset: string, quantity: Decimal): Taken {
    const taken = this.pool(place, asset).take(quantity, this.settings.rounding_scale);
    for (const piece of taken.pieces) this.touched.set(piece.lot.lot_id, piece);
    return taken;
  }

  private addLot(place: Place, asset: string, lot: Lot): void {
    this.pool(place, asset).add(lot);
    this.touched.set(lot.lot_id, lot);
  }

  private pool(place: Place, asset: string): LotPool {
    const key = this.settings.pool === 'global' ? asset : `${place.venue}\u0000${place.account}\u0000${asset}`;
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = new LotPool(method_order[this.settings.method]);
      this.pools.set(key, pool);
    }
    return pool;
  }

  private nextSequence(): number {
    this.sequence += 1;
    assertAudit(Number.isSafeInteger(this.sequence), 'lot sequence overflow');
    return this.sequence;
  }

  private openLots(): OpenLotRow[] {
    const lots = [...this.pools.values()].flatMap((pool) => pool.lots());
    lots.sort(
      (left, right) =>
        compareText(left.venue, right.venue) ||
        compareText(left.account, right.account) ||
        compareText(left.asset, right.asset) ||
        left.acquired_ms - right.acquired_ms ||
        left.sequence - right.sequence,
    );
    return lots.map((lot) => {
      const row: OpenLotRow = {
        lot_id: lot.lot_id,
        venue: lot.venue,
        account: lot.account,
        asset: lot.asset,
        quantity: formatDecimal(lot.quantity),
        cost_basis: formatNullable(lot.cost),
        acquired_at: lot.acquired_at,
        acquisition_event_id: lot.acquisition_event_id,
      };
      if (lot.cost === null) row.unpriced = true;
      return row;
    });
  }
}

/**
 * The lot report of a set of events: sorted by (time, id), each id applied once. The same id with
 * different content is a conflict: the first in (time, id, content) order is used and the other is
 * listed. Any order of the same events gives the same report. With closed periods, prior-period
 * adjustments are placed at their close boundary (`period-close.ts`); `prices` must then hold the
 * prices they imply at that boundary too (`lotReport` does).
 */
export function computeLots(
  events: Iterable<KeelEvent>,
  settings: Partial<LotSettings> = {},
  prices: PriceTable = empty_price_table,
  closes: readonly ClosedPeriod[] = [],
): LotReport {
  const engine = new LotEngine(lotSettings(settings), prices);
  const { ordered, times_ms, conflicts } = orderEvents(events);
  for (const conflict of conflicts) engine.recordConflict(conflict);
  if (closes.length === 0) {
    ordered.forEach((event, index) => engine.applyAt(event, times_ms[index]!, times_ms[index]!));
    return engine.report();
  }
  const order_times_ms = Float64Array.from(ordered, (event, index) => orderTimeOf(event.id, times_ms[index]!, closes));
  const order = Uint32Array.from(ordered.keys()).sort(
    (left, right) =>
      order_times_ms[left]! - order_times_ms[right]! || compareText(ordered[left]!.id, ordered[right]!.id),
  );
  for (const index of order) engine.applyAt(ordered[index]!, order_times_ms[index]!, times_ms[index]!);
  return engine.report();
}

/** Events in (time, id) order with repeated ids removed; repeats with other content are conflicts. */
export function orderEvents(events: Iterable<KeelEvent>): {
  ordered: KeelEvent[];
  times_ms: Float64Array;
  conflicts: ConflictRow[];
} {
  const all: KeelEvent[] = [];
  for (const event of events) {
    if (all.length >= events_max)
      throw auditError(audit_error_codes.too_many_events, `at most ${events_max} events in one lot computation`);
    all.push(event);
  }
  // Sorting indices over typed arrays, not objects: no per-event allocation that would outlive
  // the sort and weigh on the garbage collector for the rest of the fold.
  const all_times_ms = new Float64Array(all.length);
  all.forEach((event, index) => (all_times_ms[index] = eventTimeMs(event)));
  const contents = new Map<number, string>();
  const contentAt = (index: number) => {
    let content = contents.get(index);
    if (content === undefined) {
      content = contentOf(all[index]!);
      contents.set(index, content);
    }
    return content;
  };
  const order = Uint32Array.from(all.keys()).sort((left, right) => {
    const time_difference = all_times_ms[left]! - all_times_ms[right]!;
    if (time_difference !== 0) return time_difference;
    const left_id = all[left]!.id;
    const right_id = all[right]!.id;
    if (left_id !== right_id) return left_id < right_id ? -1 : 1;
    // Only exact (time, id) ties reach here: content decides, so input order never does.
    return compareText(contentAt(left), contentAt(right));
  });
  const first_by_id = new Map<string, number>();
  const ordered: KeelEvent[] = [];
  const times_ms = new Float64Array(all.length);
  const conflicts: ConflictRow[] = [];
  for (const index of order) {
    const event = all[index]!;
    const first = first_by_id.get(event.id);
    if (first === undefined) {
      first_by_id.set(event.id, index);
      times_ms[ordered.length] = all_times_ms[index]!;
      ordered.push(event);
    } else if (contentAt(first) !== contentAt(index)) {
      conflicts.push({
        event_id: event.id,
        reason: `the same id was given with different content (at ${event.time}); the event at ${all[first]!.time} is used`,
      });
    }
  }
  return { ordered, times_ms: times_ms.subarray(0, ordered.length), conflicts };
}

/** The event's canonical JSON without `raw` (as the ledger's event key). */
function contentOf(event: KeelEvent): string {
  const { raw: _raw, ...content } = event;
  return canonicalJson(content);
}

function addNullable(left: Decimal | null, right: Decimal | null): Decimal | null {
  return left === null || right === null ? null : addDecimals(left, right);
}

function subtractNullable(left: Decimal | null, right: Decimal | null): Decimal | null {
  return left === null || right === null ? null : subtractDecimals(left, right);
}

function negateNullable(value: Decimal | null): Decimal | null {
  return value === null ? null : negateDecimal(value);
}

function formatNullable(value: Decimal | null): string | null {
  return value === null ? null : formatDecimal(value);
}

function isoTime(time_ms: number): string {
  return new Date(time_ms).toISOString();
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
