// Lot engine benchmark: computeLots over generated spot trades (plus the deposits that fund them),
// at N and at N/10, to show the throughput and that the engine scales as O(n log n): ten times the
// input must take at most twelve times as long.
//
//   npm run bench:lots -- [--trades 1000000] [--seed 1] [--method fifo|lifo|hifo] [--repeats 2]
//
// The npm script runs node with --expose-gc (each timed run starts from a collected heap) and a
// larger young generation (--max-semi-space-size=64): the engine keeps every row it makes, and
// with the default 16 MiB semi-space most of the time of a large run goes to copying survivors.
import { parseArgs } from 'node:util';
import { computeLots } from '../audit/lots/lot-engine.js';
import { lot_methods, type LotMethod } from '../audit/lots/lot-settings.js';
import { InMemoryPriceTable, type PriceRow } from '../audit/lots/pricing.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { seededRandom } from '../test/support/event-generator.js';
import { trackPeakRss } from './measure.js';

export type LotsBenchRun = {
  trades: number;
  events: number;
  disposals: number;
  seconds: number;
  disposals_per_second: number;
  events_per_second: number;
};
export type LotsBenchResult = {
  method: LotMethod;
  small: LotsBenchRun;
  large: LotsBenchRun;
  time_ratio: number;
  scaling_holds: boolean;
  peak_rss_mib: number;
};

/** Ten times the input may take at most this many times as long (n log n plus noise). */
export const scaling_ratio_max = 12;

const markets = [
  { base: 'BTC', quote: 'USD', price_min: 20_000, price_span: 50_000 },
  { base: 'ETH', quote: 'USD', price_min: 1_000, price_span: 3_000 },
  { base: 'BTC', quote: 'USDT', price_min: 20_000, price_span: 50_000 },
  { base: 'ETH', quote: 'BTC', price_min: 0.03, price_span: 0.04 },
  { base: 'SOL', quote: 'USDC', price_min: 10, price_span: 200 },
] as const;
const venue_accounts = [
  ['binance', 'spot-main'],
  ['bybit', 'unified'],
  ['okx', 'trading'],
] as const;

/**
 * `trade_count` spot trades (slightly more buys than sells, fees in the quote, USD or BNB) and one
 * deposit with a cost basis per 50 trades, in time order across three venue accounts.
 */
export function generateTradeEvents(trade_count: number, seed: number): { events: KeelEvent[]; prices: PriceRow[] } {
  const random = seededRandom(seed);
  const decimal = (min: number, span: number, decimals: number) => (min + random() * span).toFixed(decimals);
  const events: KeelEvent[] = [];
  const prices: PriceRow[] = [];
  let time_ms = Date.UTC(2023, 0, 1);
  for (let index = 0; index < trade_count; index += 1) {
    time_ms += 1 + Math.floor(random() * 60_000);
    const [venue, account] = venue_accounts[Math.floor(random() * venue_accounts.length)]!;
    const time = new Date(time_ms).toISOString();
    if (index % 50 === 0) {
      prices.push({ asset: 'BNB', time_ms, price: decimal(200, 400, 2), source: 'bench' });
      const asset = ['BTC', 'ETH', 'USDT', 'BNB'][Math.floor(random() * 4)]!;
      events.push({
        id: `${venue}:${account}:deposit:${seed}:${index}`,
        type: 'deposit',
        time,
        venue,
        account,
        asset,
        amount: decimal(1, 20, 6),
        cost_basis: {
          amount: decimal(100, 10_000, 2),
          currency: 'USD',
          acquired_at: new Date(time_ms - 400 * 86_400_000).toISOString(),
        },
      });
    }
    const market = markets[Math.floor(random() * markets.length)]!;
    const fee_roll = random();
    const fee_asset = fee_roll < 0.6 ? market.quote : fee_roll < 0.8 ? 'USD' : 'BNB';
    events.push({
      id: `${venue}:${account}:trade:${seed}:${index}`,
      type: 'trade',
      time,
      venue,
      account,
      instrument: { symbol: `${market.base}/${market.quote}`, kind: 'spot', base: market.base, quote: market.quote },
      side: random() < 0.55 ? 'buy' : 'sell',
      quantity: decimal(0.0001, 2, 4),
      price: decimal(market.price_min, market.price_span, 4),
      fees: [{ asset: fee_asset, amount: decimal(0, 0.01, 6) }],
      order_id: `o-${index}`,
      trade_id: `t-${index}`,
    });
  }
  return { events, prices };
}

export function runOnce(trade_count: number, seed: number, method: LotMethod): LotsBenchRun {
  const { events, prices } = generateTradeEvents(trade_count, seed);
  const table = new InMemoryPriceTable(prices);
  // Start each timed run from a collected heap when the process allows it (`node --expose-gc`),
  // so one run does not pay for the garbage of the one before.
  (globalThis as { gc?: () => void }).gc?.();
  const started = process.hrtime.bigint();
  const report = computeLots(events, { method }, table);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    trades: trade_count,
    events: events.length,
    disposals: report.disposals.length,
    seconds,
    disposals_per_second: Math.round(report.disposals.length / seconds),
    events_per_second: Math.round(events.length / seconds),
  };
}

/**
 * Runs N/10 and N, each `repeats` times, keeping the fastest run of each size: the box may be
 * shared, and the fastest run is the one least disturbed by other work.
 */
export function runLotsBench(
  trade_count: number,
  seed: number,
  method: LotMethod = 'fifo',
  log: (line: string) => void = () => {},
  repeats = 2,
): LotsBenchResult {
  const peak = trackPeakRss();
  const fastest = (count: number) => {
    let best: LotsBenchRun | undefined;
    for (let run = 1; run <= repeats; run += 1) {
      log(`${count} trades, run ${run} of ${repeats}…`);
      const result = runOnce(count, seed, method);
      if (best === undefined || result.seconds < best.seconds) best = result;
    }
    return best!;
  };
  try {
    // A short warm-up, so the small run is not the one that pays for compiling the engine.
    runOnce(Math.min(20_000, Math.max(100, Math.floor(trade_count / 10))), seed + 1, method);
    const small = fastest(Math.floor(trade_count / 10));
    const large = fastest(trade_count);
    const time_ratio = large.seconds / small.seconds;
    return {
      method,
      small,
      large,
      time_ratio,
      scaling_holds: time_ratio <= scaling_ratio_max,
      peak_rss_mib: Math.round(peak.stop() / 1024 / 1024),
    };
  } finally {
    peak.stop();
  }
}

function format(result: LotsBenchResult): string {
  const row = (run: LotsBenchRun) =>
    `${run.trades.toLocaleString('en-US').padStart(10)} trades (${run.events.toLocaleString('en-US')} events): ${run.disposals.toLocaleString('en-US')} disposal rows in ${run.seconds.toFixed(2)} s = ` +
    `${run.disposals_per_second.toLocaleString('en-US')} disposals/s, ${run.events_per_second.toLocaleString('en-US')} events/s`;
  return [
    `computeLots, method ${result.method}`,
    row(result.small),
    row(result.large),
    `time ratio for 10× the input: ${result.time_ratio.toFixed(2)} (at most ${scaling_ratio_max}): ${result.scaling_holds ? 'holds' : 'DOES NOT HOLD'}`,
    `peak RSS: ${result.peak_rss_mib} MiB`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      trades: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      method: { type: 'string', default: 'fifo' },
      repeats: { type: 'string', default: '2' },
    },
  });
  const method = values.method as LotMethod;
  if (!lot_methods.includes(method)) throw new Error(`--method must be one of ${lot_methods.join(', ')}`);
  const result = runLotsBench(
    Number(values.trades),
    Number(values.seed),
    method,
    (line) => process.stderr.write(`${line}\n`),
    Number(values.repeats),
  );
  process.stdout.write(`${format(result)}\n`);
  process.exitCode = result.scaling_holds ? 0 : 1;
}
