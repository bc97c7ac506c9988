// Derivative positions: lots of contracts per venue account and instrument, matched first in first
// out, with realised PnL in the settle asset computed from entry and exit prices, set beside the
// PnL the venue itself booked (its settlement events) so that any difference is visible.
//   linear:  (exit − entry) × contracts × contract_size
//   inverse: contracts × contract_size × (1/entry − 1/exit) = contracts × size × (exit − entry) ÷ (entry × exit)
// both for a long position and negated for a short one. Linear PnL is exact; inverse PnL is one
// division per closed piece, rounded half to even at the rounding scale.
import type { EventOf } from '../../engine/event-schema.js';
import type { Decimal } from '../../ledger/money.js';
import { assertAudit } from '../audit-errors.js';
import { divideRounded, parseExact, isPositive, isZero, minimum } from './decimal-math.js';
import {
  addDecimals,
  compareDecimals,
  formatDecimal,
  multiplyDecimals,
  negateDecimal,
  subtractDecimals,
  zero_decimal,
} from '../../ledger/money.js';
import type { DerivativeRow } from './lot-report.js';

type PositionLot = { contracts: Decimal; price: Decimal };

type Position = {
  venue: string;
  account: string;
  instrument: string;
  kind: 'perpetual' | 'future';
  settle_asset: string;
  contract_size: Decimal;
  inverse: boolean;
  /** +1 long, −1 short, 0 flat; every lot in `lots` has this side. */
  side: 1 | -1 | 0;
  /** Open lots, oldest first from `head` (a deque over an array: the front is consumed in place). */
  lots: PositionLot[];
  head: number;
  trades: number;
  contracts_closed: Decimal;
  realised: Decimal;
  settlements_total: Decimal | null;
  settlements: number;
  funding_total: Decimal;
  fees: Map<string, Decimal>;
  notes: string[];
};

/** A position as plain data (fees as entries), for checkpoints. */
export type PositionState = Omit<Position, 'fees'> & { fees: [asset: string, amount: Decimal][] };

type Instrument = EventOf<'trade'>['instrument'];

const notes_max = 16;

export class DerivativeBook {
  private readonly positions = new Map<string, Position>();

  /** `positions`: a checkpoint's (from `exportPositions`) to continue from. */
  constructor(
    private readonly rounding_scale: number,
    positions: readonly PositionState[] = [],
  ) {
    for (const state of positions) {
      const position: Position = {
        ...state,
        lots: state.lots.map((lot) => ({ ...lot })),
        notes: [...state.notes],
        fees: new Map(state.fees),
      };
      this.positions.set(`${position.venue}\u0000${position.account}\u0000${position.instrument}`, position);
    }
  }

  /** Every position as plain data, closed lots dropped: what a checkpoint keeps. */
  exportPositions(): PositionState[] {
    return [...this.positions.values()].map((position) => ({
      ...position,
      lots: position.lots.slice(position.head).map((lot) => ({ ...lot })),
      head: 0,
      notes: [...position.notes],
      fees: [...position.fees.entries()],
    }));
  }

  trade(event: EventOf<'trade'>): void {
    assertAudit(event.instrument.kind !== 'spot', 'derivative book given a spot trade');
    const position = this.position(event.venue, event.account, event.instrument);
    position.trades += 1;
    const price = parseExact(event.price, 'price');
    let contracts = parseExact(event.quantity, 'quantity');
    const side = event.side === 'buy' ? 1 : -1;
    while (position.side === -side && isPositive(contracts)) contracts = this.closeFront(position, contracts, price);
    if (isPositive(contracts)) {
      position.side = side;
      position.lots.push({ contracts, price });
    }
    for (const fee of event.fees) {
      const amount = parseExact(fee.amount, 'fee');
      position.fees.set(fee.asset, addDecimals(position.fees.get(fee.asset) ?? zero_decimal, amount));
    }
  }

  settlement(event: EventOf<'settlement'>): void {
    const position = this.position(event.venue, event.account, event.instrument);
    if (event.asset !== position.settle_asset) {
      this.note(
        position,
        `settlement ${event.id} is in ${event.asset}, not the settle asset ${position.settle_asset}: left out of the total`,
      );
      return;
    }
    position.settlements += 1;
    position.settlements_total = addDecimals(
      position.settlements_total ?? zero_decimal,
      parseExact(event.amount, 'amount'),
    );
  }

  funding(event: EventOf<'funding'>): void {
    const position = this.position(event.venue, event.account, event.instrument);
    if (event.asset !== position.settle_asset) {
      this.note(
        position,
        `funding ${event.id} is in ${event.asset}, not the settle asset ${position.settle_asset}: left out of the total`,
      );
      return;
    }
    position.funding_total = addDecimals(position.funding_total, parseExact(event.amount, 'amount'));
  }

  rows(): DerivativeRow[] {
    return [...this.positions.values()]
      .sort(
        (left, right) =>
          compareText(left.venue, right.venue) ||
          compareText(left.account, right.account) ||
          compareText(left.instrument, right.instrument),
      )
      .map((position) => this.row(position));
  }

  /** Closes contracts against the oldest open lot; returns the contracts still to close. */
  private closeFront(position: Position, contracts: Decimal, exit_price: Decimal): Decimal {
    const lot = position.lots[position.head]!;
    const closed = minimum(lot.contracts, contracts);
    position.realised = addDecimals(position.realised, this.pnl(position, closed, lot.price, exit_price));
    position.contracts_closed = addDecimals(position.contracts_closed, closed);
    lot.contracts = subtractDecimals(lot.contracts, closed);
    if (isZero(lot.contracts)) this.dropFront(position);
    return subtractDecimals(contracts, closed);
  }

  private dropFront(position: Position): void {
    position.head += 1;
    if (position.head === position.lots.length) {
      position.lots = [];
      position.head = 0;
      position.side = 0;
    } else if (position.head > 1024 && position.head * 2 > position.lots.length) {
      // Compact now and then, so a long-lived position does not keep every closed lot.
      position.lots = position.lots.slice(position.head);
      position.head = 0;
    }
  }

  /** PnL of closing `contracts` of a lot opened at `entry` on the position's side. */
  private pnl(position: Position, contracts: Decimal, entry: Decimal, exit: Decimal): Decimal {
    const size = multiplyDecimals(contracts, position.contract_size);
    const long_pnl = position.inverse
      ? divideRounded(
          multiplyDecimals(size, subtractDecimals(exit, entry)),
          multiplyDecimals(entry, exit),
          this.rounding_scale,
        )
      : multiplyDecimals(subtractDecimals(exit, entry), size);
    return position.side === 1 ? long_pnl : negateDecimal(long_pnl);
  }

  private position(venue: string, account: string, instrument: Instrument): Position {
    const key = `${venue}\u0000${account}\u0000${instrument.symbol}`;
    let position = this.positions.get(key);
    if (position === undefined) {
      const inverse = instrument.inverse === true;
      position = {
        venue,
        account,
        instrument: instrument.symbol,
        kind: instrument.kind === 'future' ? 'future' : 'perpetual',
        settle_asset: instrument.settle ?? (inverse ? instrument.base : instrument.quote),
        contract_size: parseExact(instrument.contract_size ?? '1', 'contract_size'),
        inverse,
        side: 0,
        lots: [],
        head: 0,
        trades: 0,
        contracts_closed: zero_decimal,
        realised: zero_decimal,
        settlements_total: null,
        settlements: 0,
        funding_total: zero_decimal,
        fees: new Map(),
        notes: [],
      };
      this.positions.set(key, position);
    } else if (
      instrument.contract_size !== undefined &&
      compareDecimals(parseExact(instrument.contract_size, 'contract_size'), position.contract_size) !== 0
    ) {
      this.note(
        position,
        `contract_size ${instrument.contract_size} differs from ${formatDecimal(position.contract_size)} of the first event: the first is used`,
      );
    }
    return position;
  }

  private note(position: Position, note: string): void {
    if (position.notes.length < notes_max) position.notes.push(note);
  }

  private row(position: Position): DerivativeRow {
    let open = zero_decimal;
    for (let index = position.head; index < position.lots.length; index += 1)
      open = addDecimals(open, position.lots[index]!.contracts);
    const signed_open = position.side === -1 ? negateDecimal(open) : open;
    return {
      venue: position.venue,
      account: position.account,
      instrument: position.instrument,
      kind: position.kind,
      settle_asset: position.settle_asset,
      contract_size: formatDecimal(position.contract_size),
      inverse: position.inverse,
      trades: position.trades,
      contracts_closed: formatDecimal(position.contracts_closed),
      open_position: formatDecimal(signed_open),
      realised_pnl_computed: formatDecimal(position.realised),
      venue_settlements_total: position.settlements_total === null ? null : formatDecimal(position.settlements_total),
      settlements: position.settlements,
      difference:
        position.settlements_total === null
          ? null
          : formatDecimal(subtractDecimals(position.realised, position.settlements_total)),
      funding_total: formatDecimal(position.funding_total),
      fees: [...position.fees.entries()]
        .sort(([left], [right]) => compareText(left, right))
        .map(([asset, amount]) => ({ asset, amount: formatDecimal(amount) })),
      notes: position.notes,
    };
  }
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
