// Prices for the audit price table (`prices`, migrations/0001): candles from a venue's
// `fetchOHLCV`, one row per candle, the close as the price at the candle's end (the first moment
// that price was known, so "the price at t" never looks into the future). Exact: with
// `number = String` ccxt hands candle values over as the venue's decimal strings.
import type { Exchange } from 'ccxt';
import { insertPrices, type StoredPrice } from '../audit/price-store.js';
import type { Pool } from '../platform/postgres.js';
import { connector_error_codes, connectorError } from './connector-errors.js';
import { exactDecimal, signOfDecimal } from './exact-decimal.js';

const timeframe_ms: Record<string, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};
export const price_timeframes = Object.keys(timeframe_ms);
const candles_per_request_max = 1_000;
const requests_max = 100_000;

/** Candles → rows (pure). A candle without a positive close is refused, never stored as zero. */
export function candlesToPrices(
  candles: readonly unknown[],
  venue: string,
  symbol: string,
  base: string,
  quote: string,
  timeframe: string,
): StoredPrice[] {
  const duration_ms = timeframe_ms[timeframe];
  if (duration_ms === undefined)
    throw connectorError(
      connector_error_codes.venue_error,
      `timeframe '${timeframe}': one of ${price_timeframes.join(', ')}`,
    );
  return candles.map((candle, index) => {
    if (!Array.isArray(candle) || candle.length < 5)
      throw connectorError(
        connector_error_codes.record_malformed,
        `${venue} ${symbol} candle ${index} is not [time, open, high, low, close, …]`,
      );
    const open_ms = Number(candle[0]);
    const close = exactDecimal(candle[4], `candle ${index} close`);
    if (!Number.isSafeInteger(open_ms) || open_ms <= 0 || signOfDecimal(close) <= 0)
      throw connectorError(
        connector_error_codes.record_malformed,
        `${venue} ${symbol} candle ${index}: time ${String(candle[0])}, close ${close}`,
      );
    return {
      asset: base,
      currency: quote,
      price_time: new Date(open_ms + duration_ms).toISOString(),
      source: `${venue}:${symbol}:${timeframe}:close`,
      price: close,
    };
  });
}

/** Reads candles from `since_ms` to `until_ms` page by page and stores them (existing rows are kept). */
export async function loadPrices(
  exchange: Exchange,
  pool: Pool,
  request: { venue: string; symbol: string; timeframe: string; since_ms: number; until_ms: number },
  on_progress?: (progress: { symbol: string; up_to: string; rows: number }) => void,
): Promise<number> {
  const market = exchange.market(request.symbol);
  const duration_ms = timeframe_ms[request.timeframe] ?? 0;
  let since_ms = request.since_ms;
  let stored = 0;
  for (let page = 0; page < requests_max && since_ms < request.until_ms; page += 1) {
    const candles = await exchange.fetchOHLCV(request.symbol, request.timeframe, since_ms, candles_per_request_max);
    const rows = candlesToPrices(
      candles,
      request.venue,
      request.symbol,
      market.base,
      market.quote,
      request.timeframe,
    ).filter((row) => Date.parse(row.price_time) <= request.until_ms + duration_ms);
    stored += await insertPrices(pool, rows);
    on_progress?.({
      symbol: request.symbol,
      up_to: rows.at(-1)?.price_time ?? new Date(since_ms).toISOString(),
      rows: stored,
    });
    if (candles.length === 0) break;
    const next_ms = Number((candles.at(-1) as unknown[])[0]) + duration_ms;
    if (next_ms <= since_ms) break;
    since_ms = next_ms;
  }
  return stored;
}
