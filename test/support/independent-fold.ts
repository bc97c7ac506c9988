// An independent fold of an event stream into expected balances (debits − credits) per account:
// written from DESIGN.md §4 directly, sharing nothing with the posting rules but exact decimal
// arithmetic, so that "ledger balance = fold of the log" (invariant I3) tests the rules too.
import type { KeelEvent } from '../../engine/event-schema.js';
import {
  addDecimals,
  formatDecimal,
  multiplyDecimals,
  negateDecimal,
  parseDecimal,
  type Decimal,
} from '../../ledger/money.js';

export type FoldKey = `${string}|${string}|${string}|${string}`;

/** Balances keyed "venue|account|type|asset", as shortest decimal strings; zero-balance accounts that were touched stay listed. */
export function foldEvents(events: Iterable<KeelEvent>): Map<FoldKey, string> {
  const balances = new Map<FoldKey, Decimal>();
  const move = (venue: string, account: string, type: string, asset: string, amount: Decimal) => {
    const key: FoldKey = `${venue}|${account}|${type}|${asset}`;
    balances.set(key, addDecimals(balances.get(key) ?? { units: 0n, scale: 0 }, amount));
  };
  // Money moves from `from` to `to`: `to` is debited (its balance grows), `from` is credited.
  const flow = (event: KeelEvent, to_type: string, from_type: string, asset: string, amount: Decimal) => {
    if (amount.units === 0n) return;
    move(event.venue, event.account, to_type, asset, amount);
    move(event.venue, event.account, from_type, asset, negateDecimal(amount));
  };
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    switch (event.type) {
      case 'trade': {
        const quantity = parseDecimal(event.quantity, 'quantity');
        const sign = event.side === 'buy' ? 1n : -1n;
        const signed = (value: Decimal) => ({ units: value.units * sign, scale: value.scale });
        if (event.instrument.kind === 'spot') {
          const price = parseDecimal(event.price, 'price');
          const cost = event.cost === undefined ? multiplyDecimals(quantity, price) : parseDecimal(event.cost, 'cost');
          flow(event, 'cash', 'counterparty', event.instrument.base, signed(quantity));
          flow(event, 'counterparty', 'cash', event.instrument.quote, signed(cost));
        } else {
          flow(event, 'position', 'counterparty', event.instrument.symbol, signed(quantity));
        }
        for (const fee of event.fees) flow(event, 'fees', 'cash', fee.asset, parseDecimal(fee.amount, 'fee'));
        break;
      }
      case 'funding':
        flow(event, 'cash', 'funding_pnl', event.asset, parseDecimal(event.amount, 'amount'));
        break;
      case 'settlement':
        flow(event, 'cash', 'realised_pnl', event.asset, parseDecimal(event.amount, 'amount'));
        break;
      case 'income':
        flow(event, 'cash', 'income', event.asset, parseDecimal(event.amount, 'amount'));
        break;
      case 'deposit':
      case 'withdrawal': {
        const amount = parseDecimal(event.amount, 'amount');
        flow(event, 'cash', 'external', event.asset, event.type === 'deposit' ? amount : negateDecimal(amount));
        if (event.fee !== undefined) flow(event, 'fees', 'cash', event.asset, parseDecimal(event.fee, 'fee'));
        break;
      }
      case 'transfer': {
        const amount = parseDecimal(event.amount, 'amount');
        move(event.to_venue, event.to_account, 'cash', event.asset, amount);
        move(event.venue, event.account, 'cash', event.asset, negateDecimal(amount));
        break;
      }
      case 'margin': {
        const amount = parseDecimal(event.amount, 'amount');
        flow(event, 'margin', 'cash', event.asset, event.action === 'lock' ? amount : negateDecimal(amount));
        break;
      }
      default:
        break;
    }
  }
  return new Map([...balances].map(([key, value]) => [key, formatDecimal(value)]));
}
