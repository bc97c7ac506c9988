// Builders of valid canonical events for the lot engine's tests: each goes through the schema, so a
// test can never feed the engine an event the boundary would have refused.
import { event_schema, type KeelEvent } from '../../engine/event-schema.js';

const place = { venue: 'binance', account: 'main' };

function valid(input: Record<string, unknown>): KeelEvent {
  return event_schema.parse(input);
}

type Common = { id: string; time: string; venue?: string; account?: string };

export function spotTrade(
  fields: Common & { side: 'buy' | 'sell'; quantity: string; price: string; base?: string; quote?: string; cost?: string; fees?: { asset: string; amount: string }[] },
): KeelEvent {
  const { base = 'BTC', quote = 'USD', fees = [], ...rest } = fields;
  return valid({ ...place, ...rest, type: 'trade', instrument: { symbol: `${base}/${quote}`, kind: 'spot', base, quote }, fees, order_id: `o-${fields.id}`, trade_id: `t-${fields.id}` });
}

export function perpetualTrade(
  fields: Common & { side: 'buy' | 'sell'; quantity: string; price: string; symbol?: string; base?: string; quote?: string; settle?: string; contract_size?: string; inverse?: boolean; fees?: { asset: string; amount: string }[] },
): KeelEvent {
  const { symbol = 'BTC/USDT:USDT', base = 'BTC', quote = 'USDT', settle = 'USDT', contract_size = '0.001', inverse = false, fees = [], ...rest } = fields;
  return valid({ ...place, ...rest, type: 'trade', instrument: { symbol, kind: 'perpetual', base, quote, settle, contract_size, inverse }, fees, order_id: `o-${fields.id}`, trade_id: `t-${fields.id}` });
}

export function settlement(fields: Common & { amount: string; asset?: string; symbol?: string }): KeelEvent {
  const { asset = 'USDT', symbol = 'BTC/USDT:USDT', ...rest } = fields;
  return valid({ ...place, ...rest, type: 'settlement', asset, instrument: { symbol, kind: 'perpetual', base: 'BTC', quote: 'USDT', settle: asset } });
}

export function deposit(fields: Common & { asset: string; amount: string; fee?: string; cost_basis?: { amount: string; currency: string; acquired_at: string } }): KeelEvent {
  return valid({ ...place, ...fields, type: 'deposit' });
}

export function withdrawal(fields: Common & { asset: string; amount: string; fee?: string }): KeelEvent {
  return valid({ ...place, ...fields, type: 'withdrawal' });
}

export function transfer(fields: Common & { asset: string; amount: string; to_venue: string; to_account: string }): KeelEvent {
  return valid({ ...place, ...fields, type: 'transfer' });
}

export function income(fields: Common & { asset: string; amount: string; kind?: string }): KeelEvent {
  return valid({ ...place, kind: 'interest', ...fields, type: 'income' });
}

/** A deposit of `amount` BTC (or `asset`) bought for `cost` USD at `acquired_at`. */
export function fundedDeposit(id: string, time: string, amount: string, cost: string, acquired_at: string, asset = 'BTC', where: { venue?: string; account?: string } = {}): KeelEvent {
  return deposit({ id, time, asset, amount, cost_basis: { amount: cost, currency: 'USD', acquired_at }, ...where });
}
