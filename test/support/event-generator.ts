// A seeded generator of valid, mixed canonical events across several venue accounts: the input of
// property tests, end-to-end tests and benchmarks. The same seed always gives the same stream.
import type { KeelEvent } from '../../engine/event-schema.js';

/** mulberry32: tiny, fast, and good enough to spread test data; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export type GeneratorOptions = {
  seed: number;
  /** Venue accounts as [venue, account]. */
  venue_accounts?: readonly (readonly [string, string])[];
  start_time_ms?: number;
  /** Include decisions, risk checks and orders (they post nothing). */
  include_non_money?: boolean;
};

const spot_markets = [
  { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', price_min: 20_000, price_span: 50_000 },
  { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', price_min: 1_000, price_span: 3_000 },
  { symbol: 'ETH/BTC', base: 'ETH', quote: 'BTC', price_min: 0.03, price_span: 0.04 },
  { symbol: 'SOL/USDC', base: 'SOL', quote: 'USDC', price_min: 10, price_span: 200 },
] as const;
const perpetuals = [
  { symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', settle: 'USDT', contract_size: '0.001', inverse: false },
  { symbol: 'ETH/USD:ETH', base: 'ETH', quote: 'USD', settle: 'ETH', contract_size: '10', inverse: true },
] as const;
const fee_assets = ['USDT', 'BNB', 'BTC'] as const;

/** A rebate is a negative fee; one that rounds to zero is written "0" (a "-0" is not a valid amount). */
function rebate(amount: string): string {
  return /^0\.0+$/.test(amount) ? amount : `-${amount}`;
}

export function* generateEvents(count: number, options: GeneratorOptions): Generator<KeelEvent> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const decimal = (min: number, span: number, decimals: number) => (min + random() * span).toFixed(decimals);
  const venue_accounts = options.venue_accounts ?? [
    ['binance', 'spot-main'],
    ['bybit', 'unified'],
    ['okx', 'trading'],
  ];
  let time_ms = options.start_time_ms ?? Date.UTC(2024, 0, 1);
  for (let index = 0; index < count; index += 1) {
    time_ms += 1 + Math.floor(random() * 1000);
    const [venue, account] = pick(venue_accounts);
    const envelope = {
      id: `${venue}:${account}:gen-${options.seed}:${index}`,
      time: new Date(time_ms).toISOString(),
      venue,
      account,
    };
    const roll = random();
    if (roll < 0.5) {
      const market = pick(spot_markets);
      const fees =
        random() < 0.8
          ? [{ asset: pick(fee_assets), amount: random() < 0.1 ? rebate(decimal(0, 0.01, 6)) : decimal(0, 0.5, 6) }]
          : [];
      yield {
        ...envelope,
        type: 'trade',
        instrument: { symbol: market.symbol, kind: 'spot', base: market.base, quote: market.quote },
        side: random() < 0.5 ? 'buy' : 'sell',
        quantity: decimal(0.0001, 2, 4),
        price: decimal(market.price_min, market.price_span, 4),
        fees,
        order_id: `o-${index}`,
        trade_id: `t-${index}`,
        liquidity: random() < 0.5 ? 'maker' : 'taker',
      };
    } else if (roll < 0.65) {
      const contract = pick(perpetuals);
      yield {
        ...envelope,
        type: 'trade',
        instrument: {
          symbol: contract.symbol,
          kind: 'perpetual',
          base: contract.base,
          quote: contract.quote,
          settle: contract.settle,
          contract_size: contract.contract_size,
          inverse: contract.inverse,
        },
        side: random() < 0.5 ? 'buy' : 'sell',
        quantity: String(1 + Math.floor(random() * 100)),
        price: decimal(1_000, 60_000, 1),
        fees: [{ asset: contract.settle, amount: decimal(0, 0.05, 6) }],
        order_id: `o-${index}`,
        trade_id: `t-${index}`,
      };
    } else if (roll < 0.72) {
      const contract = pick(perpetuals);
      yield {
        ...envelope,
        type: 'funding',
        instrument: {
          symbol: contract.symbol,
          kind: 'perpetual',
          base: contract.base,
          quote: contract.quote,
          settle: contract.settle,
        },
        asset: contract.settle,
        amount: decimal(-5, 10, 6),
      };
    } else if (roll < 0.76) {
      const contract = pick(perpetuals);
      yield {
        ...envelope,
        type: 'settlement',
        instrument: {
          symbol: contract.symbol,
          kind: 'perpetual',
          base: contract.base,
          quote: contract.quote,
          settle: contract.settle,
        },
        asset: contract.settle,
        amount: decimal(-500, 1000, 4),
      };
    } else if (roll < 0.82) {
      yield {
        ...envelope,
        type: 'deposit',
        asset: pick(['USDT', 'BTC', 'ETH']),
        amount: decimal(1, 1000, 6),
        txid: `0x${index.toString(16)}`,
      };
    } else if (roll < 0.86) {
      yield {
        ...envelope,
        type: 'withdrawal',
        asset: pick(['USDT', 'BTC']),
        amount: decimal(0.1, 100, 6),
        fee: decimal(0, 1, 4),
      };
    } else if (roll < 0.9) {
      const others = venue_accounts.filter(
        ([other_venue, other_account]) => other_venue !== venue || other_account !== account,
      );
      if (others.length === 0) continue;
      const [to_venue, to_account] = pick(others);
      yield {
        ...envelope,
        type: 'transfer',
        asset: pick(['USDT', 'BTC']),
        amount: decimal(0.01, 50, 6),
        to_venue,
        to_account,
      };
    } else if (roll < 0.94) {
      yield {
        ...envelope,
        type: 'margin',
        asset: 'USDT',
        amount: decimal(1, 500, 2),
        action: random() < 0.5 ? 'lock' : 'release',
      };
    } else if (roll < 0.97 || !options.include_non_money) {
      yield {
        ...envelope,
        type: 'income',
        asset: pick(['USDT', 'BNB']),
        amount: decimal(0, 3, 6),
        kind: pick(['rebate', 'referral', 'interest', 'airdrop', 'other'] as const),
      };
    } else {
      const market = pick(spot_markets);
      const instrument = { symbol: market.symbol, kind: 'spot' as const, base: market.base, quote: market.quote };
      yield {
        ...envelope,
        type: 'decision',
        client_order_id: `c-${index}`,
        strategy: 'mean-revert',
        strategy_version: '1.4.2',
        instrument,
        side: 'buy',
        quantity: '0.5',
        signals: { zscore: -2.1 },
        rationale: 'price two sigma below mean',
      };
    }
  }
}
