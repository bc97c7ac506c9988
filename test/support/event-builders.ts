// The one way tests and fixtures build canonical events: every event goes through the schema
// (`validEvent`), so a test can never feed Keel an event the boundary would have refused, and a
// fixture that drifts from the contract fails loudly, naming the field. No `as KeelEvent` casts.
import { describeIssues, parseEvent, type KeelEvent } from '../../engine/event-schema.js';

const place = { venue: 'binance', account: 'main' };

/** The input as a validated event; throws with every issue and its path when it is not one. */
export function validEvent(input: unknown): KeelEvent {
  const parsed = parseEvent(input);
  if (!parsed.ok) throw new Error(`not a valid canonical event: ${describeIssues(parsed.issues)}`);
  return parsed.event;
}

type Common = { id: string; time: string; venue?: string; account?: string };

export function spotTrade(
  fields: Common & {
    side: 'buy' | 'sell';
    quantity: string;
    price: string;
    base?: string;
    quote?: string;
    cost?: string;
    fees?: { asset: string; amount: string }[];
  },
): KeelEvent {
  const { base = 'BTC', quote = 'USD', fees = [], ...rest } = fields;
  return validEvent({
    ...place,
    ...rest,
    type: 'trade',
    instrument: { symbol: `${base}/${quote}`, kind: 'spot', base, quote },
    fees,
    order_id: `o-${fields.id}`,
    trade_id: `t-${fields.id}`,
  });
}

export function perpetualTrade(
  fields: Common & {
    side: 'buy' | 'sell';
    quantity: string;
    price: string;
    symbol?: string;
    base?: string;
    quote?: string;
    settle?: string;
    contract_size?: string;
    inverse?: boolean;
    fees?: { asset: string; amount: string }[];
  },
): KeelEvent {
  const {
    symbol = 'BTC/USDT:USDT',
    base = 'BTC',
    quote = 'USDT',
    settle = 'USDT',
    contract_size = '0.001',
    inverse = false,
    fees = [],
    ...rest
  } = fields;
  return validEvent({
    ...place,
    ...rest,
    type: 'trade',
    instrument: { symbol, kind: 'perpetual', base, quote, settle, contract_size, inverse },
    fees,
    order_id: `o-${fields.id}`,
    trade_id: `t-${fields.id}`,
  });
}

export function settlement(fields: Common & { amount: string; asset?: string; symbol?: string }): KeelEvent {
  const { asset = 'USDT', symbol = 'BTC/USDT:USDT', ...rest } = fields;
  return validEvent({
    ...place,
    ...rest,
    type: 'settlement',
    asset,
    instrument: { symbol, kind: 'perpetual', base: 'BTC', quote: 'USDT', settle: asset },
  });
}

export function deposit(
  fields: Common & {
    asset: string;
    amount: string;
    fee?: string;
    cost_basis?: { amount: string; currency: string; acquired_at: string };
  },
): KeelEvent {
  return validEvent({ ...place, ...fields, type: 'deposit' });
}

export function withdrawal(fields: Common & { asset: string; amount: string; fee?: string }): KeelEvent {
  return validEvent({ ...place, ...fields, type: 'withdrawal' });
}

export function transfer(
  fields: Common & { asset: string; amount: string; to_venue: string; to_account: string },
): KeelEvent {
  return validEvent({ ...place, ...fields, type: 'transfer' });
}

export function income(fields: Common & { asset: string; amount: string; kind?: string }): KeelEvent {
  return validEvent({ ...place, kind: 'interest', ...fields, type: 'income' });
}

/** A deposit of `amount` BTC (or `asset`) bought for `cost` USD at `acquired_at`. */
export function fundedDeposit(
  id: string,
  time: string,
  amount: string,
  cost: string,
  acquired_at: string,
  asset = 'BTC',
  where: { venue?: string; account?: string } = {},
): KeelEvent {
  return deposit({ id, time, asset, amount, cost_basis: { amount: cost, currency: 'USD', acquired_at }, ...where });
}
