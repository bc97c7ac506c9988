// Events for the report tests: the example day (examples/), and small builders for trades that
// exercise long periods, long-term holdings, missing basis, unpriced values and hostile text.
import { join } from 'node:path';
import type { PriceRow } from '../../audit/lots/pricing.js';
import { readPriceFile } from '../../audit/price-file.js';
import { readEvents } from '../../engine/event-file.js';
import type { KeelEvent } from '../../engine/event-schema.js';
import { deposit, spotTrade as builtSpotTrade } from './event-builders.js';

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

/** A spot trade with at most one fee, built and validated by the shared builder. */
export function spotTrade(spec: TradeSpec): KeelEvent {
  const { fee, ...fields } = spec;
  return builtSpotTrade({ ...fields, fees: fee === undefined ? [] : [fee] });
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
  return deposit({ id, time, venue, account, asset: 'USD', amount });
}
