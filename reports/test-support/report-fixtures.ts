// Events for the report tests: the example day (examples/), and small builders for trades that
// exercise long periods, long-term holdings, missing basis, unpriced values and hostile text.
import { join } from 'node:path';
import type { PriceRow } from '../../audit/lots/pricing.js';
import { readEvents, readPriceFile } from '../../cli/lots-command.js';
import type { KeelEvent } from '../../engine/event-schema.js';

export const examples_directory = join(import.meta.dirname, '..', '..', 'examples');
export const example_events_path = join(examples_directory, 'events.jsonl');
export const example_prices_path = join(examples_directory, 'prices.jsonl');

export async function exampleInputs(): Promise<{ events: KeelEvent[]; price_rows: PriceRow[] }> {
  const { events, rejections } = await readEvents(example_events_path);
  if (rejections.length > 0) throw new Error(`examples/events.jsonl has bad lines: ${JSON.stringify(rejections)}`);
  return { events, price_rows: await readPriceFile(example_prices_path) };
}

export type TradeSpec = {
  id: string;
  time: string;
  side: 'buy' | 'sell';
  quantity: string;
  price: string;
  base?: string;
  quote?: string;
  venue?: string;
  account?: string;
  fee?: { asset: string; amount: string };
};

export function spotTrade(spec: TradeSpec): KeelEvent {
  const base = spec.base ?? 'BTC';
  const quote = spec.quote ?? 'USD';
  return {
    id: spec.id,
    type: 'trade',
    time: spec.time,
    venue: spec.venue ?? 'binance',
    account: spec.account ?? 'main',
    instrument: { symbol: `${base}/${quote}`, kind: 'spot', base, quote },
    side: spec.side,
    quantity: spec.quantity,
    price: spec.price,
    fees: spec.fee === undefined ? [] : [spec.fee],
    order_id: `o-${spec.id}`,
    trade_id: `t-${spec.id}`,
  } as KeelEvent;
}

/** `count` trades over 2024, one every few hours: buys of 1 BTC, then sells of 0.5 BTC at rising prices. */
export function manyTrades(count: number): KeelEvent[] {
  const start_ms = Date.parse('2024-01-01T00:00:00.000Z');
  return Array.from({ length: count }, (_, index) =>
    spotTrade({
      id: `t${String(index).padStart(6, '0')}`,
      time: new Date(start_ms + index * 3 * 60 * 60 * 1000).toISOString(),
      side: index % 3 === 2 ? 'sell' : 'buy',
      quantity: index % 3 === 2 ? '0.5' : '1',
      price: String(40000 + index * 7),
      fee: { asset: 'USD', amount: '1.25' },
    }),
  );
}

export function usdDeposit(id: string, time: string, amount: string, venue = 'binance', account = 'main'): KeelEvent {
  return { id, type: 'deposit', time, venue, account, asset: 'USD', amount } as KeelEvent;
}
